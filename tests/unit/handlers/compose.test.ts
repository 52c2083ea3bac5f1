import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ComposeSummary,
  composeEventHandler,
  type SweepSummary,
} from '../../../lambdas/adapters/events/compose.js';
import type { TidingsConfig } from '../../../lambdas/core/config.js';
import { currentIssueId } from '../../../lambdas/core/edition.js';
import type { Issue } from '../../../lambdas/core/issue.js';
import { waveDue } from '../../../lambdas/core/waves.js';
import { MemoryBriefStore, plainBrief } from '../../support/fakes/brief-store.js';
import { ArrayQueue, MemoryIssueStore, MemoryLedgerStore, subscriber } from '../../support/fakes/delivery.js';

import { MemorySubscriberStore } from '../../support/fakes/subscriber-store.js';
import { testConfig } from '../../support/stack.js';

const NOW = new Date('2026-11-30T08:00:00.000Z');

describe('compose handler', () => {
  let config: TidingsConfig;
  const issues = new MemoryIssueStore();
  const ledger = new MemoryLedgerStore();
  const subscribers = new MemorySubscriberStore();
  const briefs = new MemoryBriefStore();
  const queue = new ArrayQueue();
  let handler: (event: unknown) => Promise<ComposeSummary | SweepSummary>;

  beforeAll(async () => {
    config = await testConfig();
    await briefs.upsert(plainBrief('sg', '2026-11-30T01:00:00.000Z'), NOW);
    for (let i = 0; i < 120; i++) await subscribers.save(subscriber(`reader${i}@example.com`, ['sg']));
    await subscribers.save(subscriber('left@example.com', ['sg'], { status: 'unsubscribed' }));
    handler = composeEventHandler({
      compose: {
        config,
        issues,
        briefs,
        subscribers,
        queue,
        render: async () => ({
          subject: 'Tidings SG',
          preheader: 'p',
          html: '<html></html>',
          text: 't',
          htmlBytes: 13,
        }),
      } as never,
      completion: { issues, ledger },
      clock: { now: () => NOW },
      report: () => undefined,
    });
  });

  it("stores today's issue and queues every active reader in slices of at most 50", async () => {
    const edition = config.editions.find((e) => e.id === 'sg');
    if (!edition) throw new Error('no sg edition');
    const result = (await handler({ edition: 'sg' })) as ComposeSummary;
    expect(result).toEqual({
      issueId: currentIssueId(edition, NOW),
      outcome: 'composed',
      enqueued: 120,
      completed: [],
    });
    expect(await issues.get(result.issueId)).toMatchObject({
      state: 'sending',
      edition: 'sg',
      counts: { enqueued: 120, fanouts: 1 },
    });
    const batches = queue.take();
    const emails = batches.flatMap((b) => b.recipients.map((r) => r.email));
    expect(new Set(emails).size).toBe(120);
    expect(emails).not.toContain('left@example.com');
    expect(batches.every((b) => b.issueId === result.issueId && b.recipients.length <= 50)).toBe(true);
  });

  it('queues readers again but makes no second issue when invoked twice on a day', async () => {
    const again = (await handler({ edition: 'sg' })) as ComposeSummary;
    expect(again.outcome).toBe('refanout');
    expect(queue.take().flatMap((b) => b.recipients)).toHaveLength(120);
  });

  it('sweeps an earlier issue whose readers are all settled to sent', async () => {
    const earlier: Issue = {
      ...((await issues.get(currentIssueId({ id: 'sg', timeZone: 'Asia/Singapore' }, NOW))) as Issue),
      id: 'sg-2026-11-29',
      localDate: '2026-11-29',
      counts: { enqueued: 1, fanouts: 1 },
    };
    await issues.create(earlier);
    await ledger.create({
      issueId: earlier.id,
      email: 'reader1@example.com',
      state: 'sent',
      updatedAt: NOW.toISOString(),
      expiresAt: 0,
    });
    const result = (await handler({ edition: 'sg' })) as ComposeSummary;
    expect(result.completed).toEqual(['sg-2026-11-29']);
    expect((await issues.get('sg-2026-11-29'))?.state).toBe('sent');
  });

  it("lists the edition's issues once, and leaves an issue whose readers it just queued to its senders", async () => {
    const listings: string[] = [];
    const ledgerReads: string[] = [];
    const listByEdition = issues.listByEdition.bind(issues);
    const list = ledger.list.bind(ledger);
    issues.listByEdition = (edition, options) => {
      listings.push(edition);
      return listByEdition(edition, options);
    };
    ledger.list = (issueId) => {
      ledgerReads.push(issueId);
      return list(issueId);
    };
    try {
      const result = (await handler({ edition: 'sg' })) as ComposeSummary;
      expect(result.enqueued).toBeGreaterThan(0);
      expect(ledgerReads).not.toContain(result.issueId);
      // The composer reads the edition's history too; the recovery and the sweep add one listing.
      expect(listings.filter((e) => e === 'sg')).toHaveLength(2);
      queue.take();
    } finally {
      issues.listByEdition = listByEdition;
      ledger.list = list;
    }
  });

  it.each([
    ['nothing', undefined],
    ['null', null],
    ['a string', 'sg'],
    ['no edition', {}],
    ['an edition that is not an id', { edition: '../../etc' }],
    ['an upper-case edition', { edition: 'SG' }],
    ['an extra field', { edition: 'sg', force: true }],
    ['an array', [{ edition: 'sg' }]],
  ])('rejects %s', async (_name, event) => {
    await expect(handler(event)).rejects.toThrow(/unexpected compose event/);
  });

  it('fails on an edition that is not configured', async () => {
    await expect(handler({ edition: 'atlantis' })).rejects.toThrow(/unknown edition/);
  });
});

describe('compose handler, an issue without readers', () => {
  it('completes the issue it composed when no reader was due', async () => {
    const config = await testConfig();
    const issues = new MemoryIssueStore();
    const briefs = new MemoryBriefStore();
    await briefs.upsert(plainBrief('sg', '2026-11-30T01:00:00.000Z'), NOW);
    const handler = composeEventHandler({
      compose: {
        config,
        issues,
        briefs,
        subscribers: new MemorySubscriberStore(),
        queue: new ArrayQueue(),
        render: async () => ({
          subject: 's',
          preheader: 'p',
          html: '<html></html>',
          text: 't',
          htmlBytes: 13,
        }),
      } as never,
      completion: { issues, ledger: new MemoryLedgerStore() },
      clock: { now: () => NOW },
      report: () => undefined,
    });
    const result = (await handler({ edition: 'sg' })) as ComposeSummary;
    expect(result).toMatchObject({ outcome: 'composed', enqueued: 0, completed: [result.issueId] });
    expect((await issues.get(result.issueId))?.state).toBe('sent');
  });
});

describe('compose handler, waves sweep', () => {
  it("queues a zone's wave at its send time on {sweep:true}, and refuses a sweep that is not true", async () => {
    const base = await testConfig();
    const config: TidingsConfig = {
      ...base,
      editions: base.editions.map((e) => (e.id === 'sg' ? { ...e, readerLocalTime: true } : e)),
    };
    const edition = config.editions.find((e) => e.id === 'sg');
    if (!edition) throw new Error('no sg edition');
    const issues = new MemoryIssueStore();
    const subscribers = new MemorySubscriberStore();
    const briefs = new MemoryBriefStore();
    const queue = new ArrayQueue();
    await briefs.upsert(plainBrief('sg', '2026-11-30T01:00:00.000Z'), NOW);
    await subscribers.save(subscriber('home@example.com', ['sg']));
    await subscribers.save(subscriber('uk@example.com', ['sg'], { timeZone: 'Europe/London' }));
    let now = NOW;
    const handler = composeEventHandler({
      compose: {
        config,
        issues,
        briefs,
        subscribers,
        queue,
        render: async () => ({ subject: 's', preheader: 'p', html: '<p></p>', text: 't', htmlBytes: 7 }),
      },
      completion: { issues, ledger: new MemoryLedgerStore() },
      clock: { now: () => now },
      report: () => undefined,
    });
    const queued = (): string[] => queue.take().flatMap((b) => b.recipients.map((r) => r.email));
    await handler({ edition: 'sg' });
    expect(queued()).toEqual(['home@example.com']);
    const due = waveDue(edition, 'Europe/London', NOW);
    now = new Date(due.getTime() - 60_000);
    expect(await handler({ sweep: true })).toMatchObject({ sweep: true, waves: [{ sent: [] }] });
    expect(queued()).toEqual([]);
    now = due;
    expect(await handler({ sweep: true })).toMatchObject({
      waves: [{ sent: ['Europe/London'], enqueued: 1 }],
    });
    expect(queued()).toEqual(['uk@example.com']);
    await expect(handler({ sweep: false })).rejects.toThrow(/unexpected compose event/);
    await expect(handler({ sweep: true, edition: 'sg' })).rejects.toThrow(/unexpected compose event/);
  });
});
