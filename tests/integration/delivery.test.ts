import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SESClient } from '@aws-sdk/client-ses';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemorySendQueue, type MemorySendQueueOptions } from '../../cli/local/memory-send-queue.js';
import { OutboxMailer } from '../../cli/local/outbox-mailer.js';
import {
  composeDeps,
  type DeliveryServices,
  deliveryServices,
  ingestLocal,
  localSender,
  operatorDeps,
} from '../../cli/local/pipeline.js';
import { DynamoBriefStore } from '../../lambdas/adapters/dynamo-brief-store.js';
import { DynamoSubscriberStore } from '../../lambdas/adapters/dynamo-subscriber-store.js';
import { SesMailer } from '../../lambdas/adapters/ses-mailer.js';
import { cancelIssue, composeIssue, fanOut } from '../../lambdas/core/compose.js';
import type { TidingsConfig } from '../../lambdas/core/config.js';
import { applyFeedback, parseFeedback } from '../../lambdas/core/feedback.js';
import type { LedgerEntry } from '../../lambdas/core/issue.js';
import type { LedgerStore } from '../../lambdas/core/ports.js';
import { parseKeyring, readerLinks, verifyMailtoUnsubscribe } from '../../lambdas/core/tokens.js';
import { subscriber } from '../support/fakes/delivery.js';
import { type SesStoreEmail, startTestStack, type TestStack, testConfig } from '../support/stack.js';

/**
 * The delivery invariants on the local stack: real SDK clients, dynalite and the SES stand-in.
 * Each test composes the `dc` issue of one day and asserts on the ledger and on what the SES
 * stand-in received.
 */

const NOW = new Date('2026-11-30T12:00:00.000Z');
const ISSUE = 'dc-2026-11-30';

let stack: TestStack;
let base: TidingsConfig;
let day = 0;

beforeAll(async () => {
  base = await testConfig();
  stack = await startTestStack({ config: { ...base, ses: { ...base.ses, maxSendRate: 400 } } });
  await ingestLocal(stack, NOW);
});
afterAll(async () => {
  await stack?.close();
});

/** Each test works on its own edition-day so earlier tests' issues and ledgers do not interfere. */
let now = NOW;
let issueId = ISSUE;
beforeEach(async () => {
  now = new Date(NOW.getTime() + day * 86_400_000);
  issueId = `dc-${now.toISOString().slice(0, 10)}`;
  day++;
  await addBrief();
  await stack.clearInbox();
});

/** A brief published an hour before `now`, so the day's issue has something new to carry. */
async function addBrief(): Promise<void> {
  const at = new Date(now.getTime() - 3_600_000).toISOString();
  await new DynamoBriefStore(stack.doc, stack.tables.briefs).upsert(
    {
      id: `integration-${issueId}`,
      headline: 'A fresh story for the morning',
      topic: 'policy',
      editions: ['dc'],
      publishedAt: at,
      updatedAt: at,
      news: ['Something new happened overnight.'],
      signals: [],
    },
    now,
  );
}

async function services(overrides: Partial<DeliveryServices> = {}): Promise<DeliveryServices> {
  return deliveryServices(stack, { clock: { now: () => now }, ...overrides });
}

const subscribers = (): DynamoSubscriberStore =>
  new DynamoSubscriberStore(stack.doc, stack.tables.subscribers);

async function addReaders(prefix: string, count: number, editions = ['dc']): Promise<string[]> {
  const store = subscribers();
  const emails = Array.from({ length: count }, (_, i) => `${prefix}${i}@example.com`);
  await Promise.all(emails.map((email) => store.save(subscriber(email, editions))));
  return emails;
}

async function ledgerOf(svc: DeliveryServices, id = issueId): Promise<Map<string, LedgerEntry>> {
  const rows = new Map<string, LedgerEntry>();
  for await (const row of svc.ledger.list(id)) rows.set(row.email, row);
  return rows;
}

function perRecipient(emails: SesStoreEmail[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const email of emails) {
    for (const to of email.destination.to) {
      const address = /<([^>]+)>/.exec(to)?.[1] ?? to;
      counts.set(address, (counts.get(address) ?? 0) + 1);
    }
  }
  return counts;
}

async function composeAndSend(
  svc: DeliveryServices,
  queueOptions: MemorySendQueueOptions = {},
): Promise<{ queue: MemorySendQueue; enqueued: number }> {
  const queue = new MemorySendQueue({ redeliveryDelayMs: 50, ...queueOptions });
  const result = await composeIssue(composeDeps(svc, queue), { edition: 'dc', now });
  await queue.drain(localSender(svc).handler);
  return { queue, enqueued: result.enqueued };
}

/** Every active reader of dc, straight from the subscriber table. */
async function activeDcReaders(): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const s of subscribers().list({ edition: 'dc', status: 'active' })) out.add(s.email);
  return out;
}

describe('delivery on the local stack', () => {
  beforeAll(async () => {
    await addReaders('reader', 30);
  });

  it('composing twice a day makes one issue and one email per reader; a reader added between gets exactly one', async () => {
    const svc = await services();
    await composeAndSend(svc);
    const newcomer = 'newcomer@example.com';
    await subscribers().save(subscriber(newcomer, ['dc']));
    now = new Date(now.getTime() + 3_600_000);
    const second = await composeAndSend(svc);
    expect(second.enqueued).toBe((await activeDcReaders()).size);

    const received = perRecipient(await stack.inbox());
    const readers = await activeDcReaders();
    expect(new Set(received.keys())).toEqual(readers);
    expect([...received.values()].every((n) => n === 1)).toBe(true);
    expect(received.get(newcomer)).toBe(1);
    expect(
      (await svc.issues.listByEdition('dc', { limit: 50 })).filter((i) => i.id === issueId),
    ).toHaveLength(1);
    const rows = await ledgerOf(svc);
    expect([...rows.values()].every((r) => r.state === 'sent')).toBe(true);
    expect(rows.size).toBe(readers.size);
    // Each ledger row names the message the stand-in received.
    const ids = new Set((await stack.inbox()).map((e) => e.messageId));
    expect([...rows.values()].every((r) => r.messageId && ids.has(r.messageId))).toBe(true);
  });

  it("every batch delivered twice and a crash between SES and the ledger write: no duplicates, SES's Send event records it sent", async () => {
    const base = await services({ leaseMs: 200 });
    const crashFor = new Set(['reader3@example.com', 'reader17@example.com']);
    const crashed = new Set<string>();
    const real = base.ledger;
    const ledger: LedgerStore = {
      get: (i, e) => real.get(i, e),
      create: (entry) => real.create(entry),
      settleClaim: (...a) => real.settleClaim(...a),
      markUnknown: (...a) => real.markUnknown(...a),
      release: (...a) => real.release(...a),
      settleFromSendEvent: (...a) => real.settleFromSendEvent(...a),
      claimUnknown: (...a) => real.claimUnknown(...a),
      recordResend: (...a) => real.recordResend(...a),
      list: (i) => real.list(i),
      async recordSent(row) {
        if (crashFor.has(row.email) && !crashed.has(row.email)) {
          crashed.add(row.email);
          throw new Error('the worker died before writing the ledger');
        }
        return real.recordSent(row);
      },
    };
    const svc = { ...base, ledger, clock: { now: () => new Date() } };
    const issueStart = now;
    // Real time drives the lease here; the issue id stays the one of this test's day.
    const queue = new MemorySendQueue({ duplicate: true, redeliveryDelayMs: 120, concurrency: 6 });
    await composeIssue(composeDeps(svc, queue), { edition: 'dc', now: issueStart });
    await queue.drain(localSender(svc).handler);

    expect(crashed).toEqual(crashFor);
    const received = perRecipient(await stack.inbox());
    expect([...received.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(received.keys())).toEqual(await activeDcReaders());
    const rows = await ledgerOf(svc);
    // The sender never wrote those rows; the SES stand-in's Send event did, with SES's message id.
    const ids = new Set((await stack.inbox()).map((e) => e.messageId));
    for (const email of crashFor) {
      expect(rows.get(email)).toMatchObject({ state: 'sent', reason: 'settled by the SES Send event' });
      expect(ids.has(rows.get(email)?.messageId ?? '')).toBe(true);
    }
    expect([...rows.values()].filter((r) => r.state === 'sent')).toHaveLength(rows.size);
    expect(queue.dead).toHaveLength(0);
  });

  it('SES throttling 30% of calls: every reader gets exactly one, and no second at the stand-in exceeds the rate', async () => {
    const rate = 10;
    const ses = new SESClient({
      endpoint: stack.sesUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    let calls = 0;
    let throttled = 0;
    ses.middlewareStack.add(
      (next) => async (args) => {
        calls++;
        // A fixed pseudo-random pattern: the same 30% of calls fail on every run.
        if ((calls * 7919) % 10 < 3) {
          throttled++;
          throw Object.assign(new Error('Maximum sending rate exceeded.'), {
            name: 'Throttling',
            $metadata: { httpStatusCode: 400 },
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'throttleSome' },
    );
    const svc = await services({
      config: { ...stack.config, ses: { ...stack.config.ses, maxSendRate: rate } },
      mailer: new OutboxMailer(
        new SesMailer(ses, { configurationSet: 'tidings' }),
        join(stack.home, 'outbox'),
      ),
    });
    await composeAndSend(svc);
    ses.destroy();

    const emails = await stack.inbox();
    const received = perRecipient(emails);
    expect(throttled).toBeGreaterThan(calls * 0.25);
    expect(new Set(received.keys())).toEqual(await activeDcReaders());
    expect([...received.values()].every((n) => n === 1)).toBe(true);
    const perSecond = new Map<number, number>();
    for (const email of emails) perSecond.set(email.at, (perSecond.get(email.at) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(rate);
    const rows = await ledgerOf(svc);
    expect([...rows.values()].every((r) => r.state === 'sent')).toBe(true);
  });

  it('a reader who unsubscribes between fan-out and send gets nothing, and the ledger says why', async () => {
    const svc = await services();
    const queue = new MemorySendQueue();
    await composeIssue(composeDeps(svc, queue), { edition: 'dc', now });
    const leaver = 'reader5@example.com';
    const store = subscribers();
    const profile = await store.get(leaver);
    if (!profile) throw new Error('missing reader');
    await store.save({
      ...profile,
      status: 'unsubscribed',
      statusReason: 'one-click unsubscribe',
      editions: [],
    });
    await queue.drain(localSender(svc).handler);

    expect(perRecipient(await stack.inbox()).has(leaver)).toBe(false);
    expect((await ledgerOf(svc)).get(leaver)).toMatchObject({ state: 'skipped', reason: 'not active' });
    const current = await store.get(leaver);
    if (current) await store.save({ ...current, status: 'active', editions: ['dc'] });
  });

  it('cancel mid-send: no further email, and every reader not mailed is recorded cancelled', async () => {
    const svc = await services({
      config: { ...stack.config, ses: { ...stack.config.ses, maxSendRate: 20 } },
    });
    const queue = new MemorySendQueue({ concurrency: 2 });
    await composeIssue(composeDeps(svc, { enqueue: (b) => queue.enqueue(b) }), { edition: 'dc', now });
    const sender = localSender(svc);
    const draining = queue.drain(sender.handler);
    // Cancel once a few messages are out.
    while ((await stack.inbox()).length < 4) await new Promise((r) => setTimeout(r, 20));
    await cancelIssue(operatorDeps(svc, queue), issueId, now);
    const atCancel = (await stack.inbox()).length;
    await draining;

    const emails = await stack.inbox();
    // At most the sends already past their cancellation check (one per worker) go out after the cancel.
    expect(emails.length).toBeLessThanOrEqual(atCancel + 2);
    const rows = [...(await ledgerOf(svc)).values()];
    const readers = await activeDcReaders();
    expect(rows).toHaveLength(readers.size);
    expect(rows.filter((r) => r.state === 'sent')).toHaveLength(emails.length);
    expect(rows.filter((r) => r.state === 'cancelled').length).toBe(readers.size - emails.length);
    expect(rows.length).toBeGreaterThan(emails.length);
  });

  it('after a hard bounce, a complaint and a mail to the unsubscribe address, those readers get no further issue', async () => {
    const svc = await services();
    await composeAndSend(svc);
    const keyring = parseKeyring(await readFile(stack.secretPath, 'utf8'));
    const feedback = {
      config: stack.config,
      subscribers: subscribers(),
      clock: { now: () => now },
      verifyMailto: (local: string, from: string) => verifyMailtoUnsubscribe(keyring, local, from),
    };
    const mailbox = readerLinks(keyring, {
      baseUrl: stack.config.baseUrl,
      mailDomain: stack.config.sender.domain,
      email: 'reader12@example.com',
      edition: 'dc',
    }).unsubscribeMailto.slice('mailto:'.length);
    const events = [
      {
        eventType: 'Bounce',
        bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'reader10@example.com' }] },
      },
      {
        eventType: 'Complaint',
        complaint: { complainedRecipients: [{ emailAddress: 'reader11@example.com' }] },
      },
      {
        notificationType: 'Received',
        receipt: { recipients: [mailbox], spfVerdict: { status: 'PASS' }, dkimVerdict: { status: 'PASS' } },
        mail: {
          source: 'reader12@example.com',
          commonHeaders: { from: ['Reader Twelve <reader12@example.com>'] },
        },
      },
    ];
    for (const event of events) {
      const parsed = parseFeedback(event);
      if (!parsed) throw new Error('event not understood');
      await applyFeedback(feedback, parsed);
    }
    await stack.clearInbox();

    // The next day's issue, with a new brief so there is something to send.
    now = new Date(now.getTime() + 86_400_000);
    issueId = `dc-${now.toISOString().slice(0, 10)}`;
    day++;
    await addBrief();
    await composeAndSend(svc);
    const received = perRecipient(await stack.inbox());
    expect(received.size).toBeGreaterThan(0);
    for (const gone of ['reader10@example.com', 'reader11@example.com', 'reader12@example.com']) {
      expect(received.has(gone)).toBe(false);
    }
    expect((await subscribers().get('reader10@example.com'))?.status).toBe('bounced');
    expect((await subscribers().get('reader11@example.com'))?.status).toBe('complained');
    expect((await subscribers().get('reader12@example.com'))?.status).toBe('unsubscribed');
  });

  it('a fan-out repeated while the first is still sending adds no email', async () => {
    const svc = await services();
    const queue = new MemorySendQueue({ concurrency: 4 });
    const composed = await composeIssue(composeDeps(svc, queue), { edition: 'dc', now });
    await fanOut(composeDeps(svc, queue), composed.issue, now);
    await fanOut(composeDeps(svc, queue), composed.issue, now);
    await queue.drain(localSender(svc).handler);
    const received = perRecipient(await stack.inbox());
    expect([...received.values()].every((n) => n === 1)).toBe(true);
    expect(received.size).toBe((await activeDcReaders()).size);
  });
});
