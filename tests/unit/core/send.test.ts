import { beforeEach, describe, expect, it } from 'vitest';
import { HeaderValueError } from '../../../lambdas/adapters/mime.js';
import type { Issue } from '../../../lambdas/core/issue.js';
import { MailerThrottledError, MessageRejectedError, type SendBatch } from '../../../lambdas/core/ports.js';
import { type SendDeps, sendBatch, UnknownIssueError } from '../../../lambdas/core/send.js';
import { ManualClock } from '../../support/fakes/clock.js';
import {
  MemoryIssueStore,
  MemoryLedgerStore,
  memorySendDeps,
  plainMessages,
  subscriber,
} from '../../support/fakes/delivery.js';
import { RecordingMailer } from '../../support/fakes/mailer.js';
import { MemorySubscriberStore } from '../../support/fakes/subscriber-store.js';

const ISSUE_ID = 'dc-2026-11-30';
const READERS = ['ada@example.com', 'ben@example.com', 'cleo@example.com'];
const LEASE = 60_000;

function issue(state: Issue['state'] = 'sending'): Issue {
  return {
    id: ISSUE_ID,
    edition: 'dc',
    localDate: '2026-11-30',
    state,
    cutoff: '2026-11-30T11:30:00.000Z',
    briefIds: ['b1'],
    briefs: [],
    subject: 'Tidings D.C.: a subject',
    html: '<p>hi</p>',
    text: 'hi',
    counts: { enqueued: READERS.length, fanouts: 1 },
    createdAt: '2026-11-30T11:30:00.000Z',
    updatedAt: '2026-11-30T11:30:00.000Z',
  };
}

describe('sendBatch', () => {
  let issues: MemoryIssueStore;
  let ledger: MemoryLedgerStore;
  let subscribers: MemorySubscriberStore;
  let mailer: RecordingMailer;
  let clock: ManualClock;
  let deps: SendDeps;
  const batch: SendBatch = { issueId: ISSUE_ID, recipients: READERS.map((email) => ({ email })) };

  beforeEach(async () => {
    issues = new MemoryIssueStore();
    ledger = new MemoryLedgerStore();
    subscribers = new MemorySubscriberStore();
    mailer = new RecordingMailer();
    clock = new ManualClock(new Date('2026-11-30T11:31:00.000Z'));
    await issues.create(issue());
    for (const email of READERS) await subscribers.save(subscriber(email, ['dc']));
    deps = memorySendDeps({ issues, ledger, subscribers, mailer, clock, leaseMs: LEASE, backoffMs: 10 });
  });

  const states = (): Record<string, string> =>
    Object.fromEntries(ledger.entries(ISSUE_ID).map((row) => [row.email, row.state]));

  it('sends each reader one email and records the SES message id', async () => {
    const result = await sendBatch(deps, batch);
    expect(result.retry).toBe(false);
    expect(READERS.map((r) => mailer.to(r))).toEqual([1, 1, 1]);
    const ada = await ledger.get(ISSUE_ID, 'ada@example.com');
    expect(ada).toMatchObject({ state: 'sent', messageId: expect.stringMatching(/^msg-/) });
    expect(ada?.expiresAt).toBeGreaterThan(Date.parse('2027-12-01') / 1000);
  });

  describe('invariant 1: at most one email per (issue, recipient)', () => {
    it('sends nothing more when the same batch is delivered again', async () => {
      await sendBatch(deps, batch);
      const again = await sendBatch(deps, batch);
      expect(again.outcomes.every((o) => o.outcome === 'already-done')).toBe(true);
      expect(mailer.sent).toHaveLength(READERS.length);
    });

    it('sends once when two workers get the same batch at the same time', async () => {
      const results = await Promise.all([
        sendBatch(deps, batch),
        sendBatch(deps, batch),
        sendBatch(deps, batch),
      ]);
      expect(READERS.map((r) => mailer.to(r))).toEqual([1, 1, 1]);
      // The losers of a race either saw the final row or a fresh claim, which they leave alone.
      for (const result of results.slice(1)) {
        expect(result.outcomes.every((o) => ['already-done', 'retry', 'sent'].includes(o.outcome))).toBe(
          true,
        );
      }
    });

    it('never resends after a crash between SES and the ledger write, and records unknown after the lease', async () => {
      const recordSent = ledger.recordSent.bind(ledger);
      ledger.recordSent = async (row) => {
        if (row.email === 'ben@example.com') throw new Error('worker died');
        return recordSent(row);
      };
      await expect(sendBatch(deps, batch)).rejects.toThrow('worker died');
      expect(mailer.to('ben@example.com')).toBe(1);
      ledger.recordSent = recordSent;

      // Redelivered while the claim is fresh: the attempt might still be alive, so hands off.
      clock.advance(LEASE / 2);
      const early = await sendBatch(deps, batch);
      expect(early.retry).toBe(true);
      expect(states()['ben@example.com']).toBe('claimed');

      clock.advance(LEASE);
      const late = await sendBatch(deps, batch);
      expect(late.retry).toBe(false);
      expect(late.outcomes.find((o) => o.email === 'ben@example.com')?.outcome).toBe('unknown');
      expect(states()).toEqual({
        'ada@example.com': 'sent',
        'ben@example.com': 'unknown',
        'cleo@example.com': 'sent',
      });
      expect(READERS.map((r) => mailer.to(r))).toEqual([1, 1, 1]);
    });

    it('stops sending once a sent row could not be stored, and fails the slice so it is tried again', async () => {
      const recordSent = ledger.recordSent.bind(ledger);
      ledger.recordSent = async (row) => {
        if (row.email === 'ada@example.com') throw new Error('ledger unavailable');
        return recordSent(row);
      };
      await expect(sendBatch(deps, batch)).rejects.toThrow('ledger unavailable');
      ledger.recordSent = recordSent;
      // The failure is known by the time the third reader comes up: no send whose row would be lost too.
      expect(mailer.to('cleo@example.com')).toBe(0);
      expect(states()['ada@example.com']).toBe('claimed');
      expect(mailer.to('ada@example.com')).toBe(1);
    });

    it('asks the ledger to write its waiting sent rows once the slice is sent, and only then', async () => {
      let flushes = 0;
      let sentAtFlush = -1;
      ledger.flushSent = () => {
        flushes++;
        sentAtFlush = mailer.sent.length;
      };
      await sendBatch(deps, batch);
      expect({ flushes, sentAtFlush }).toEqual({ flushes: 1, sentAtFlush: READERS.length });
    });

    it('stores the rows of the readers already sent before a slice that fails midway ends', async () => {
      // A ledger that holds sent rows back until asked to flush, as the DynamoDB one may.
      const recordSent = ledger.recordSent.bind(ledger);
      const held: (() => Promise<void>)[] = [];
      ledger.recordSent = (row) =>
        new Promise<void>((resolve, reject) => {
          held.push(() => recordSent(row).then(resolve, reject));
        });
      ledger.flushSent = () => {
        for (const write of held.splice(0)) void write();
      };
      mailer.fail = (m) => (m.to === 'cleo@example.com' ? new Error('socket hang up') : undefined);
      await expect(sendBatch(deps, batch)).rejects.toThrow('socket hang up');
      expect(states()).toEqual({
        'ada@example.com': 'sent',
        'ben@example.com': 'sent',
        'cleo@example.com': 'claimed',
      });
    });

    it('keeps the claim when SES fails in a way that may have sent the message', async () => {
      mailer.fail = (m) => (m.to === 'ada@example.com' ? new Error('socket hang up') : undefined);
      await expect(sendBatch(deps, batch)).rejects.toThrow('socket hang up');
      expect(states()['ada@example.com']).toBe('claimed');
      mailer.fail = () => undefined;
      clock.advance(LEASE + 1);
      await sendBatch(deps, batch);
      expect(states()['ada@example.com']).toBe('unknown');
      expect(mailer.to('ada@example.com')).toBe(0);
    });

    it("lets a slow attempt that outlived its lease still record 'sent' over 'unknown'", async () => {
      await ledger.create({
        issueId: ISSUE_ID,
        email: 'ada@example.com',
        state: 'claimed',
        claimToken: 'slow',
        claimedAt: '2026-11-30T11:00:00.000Z',
        updatedAt: '2026-11-30T11:00:00.000Z',
        expiresAt: 1,
      });
      await sendBatch(deps, { issueId: ISSUE_ID, recipients: [{ email: 'ada@example.com' }] });
      expect(states()['ada@example.com']).toBe('unknown');
      const row = await ledger.get(ISSUE_ID, 'ada@example.com');
      if (!row) throw new Error('no row');
      await ledger.recordSent({ ...row, state: 'sent', messageId: 'late', sentAt: 'x' });
      expect(states()['ada@example.com']).toBe('sent');
      expect(mailer.sent).toHaveLength(0);
    });
  });

  describe('SES throttling', () => {
    it('retries in place with backoff and sends once', async () => {
      mailer.fail = (_m, attempt) => (attempt <= 2 ? new MailerThrottledError('slow down') : undefined);
      const before = clock.now().getTime();
      const result = await sendBatch(deps, batch);
      expect(result.retry).toBe(false);
      expect(READERS.map((r) => mailer.to(r))).toEqual([1, 1, 1]);
      expect(clock.now().getTime() - before).toBe(3 * (10 + 20));
    });

    it('releases the claim and asks for redelivery when throttling persists, then sends once', async () => {
      let throttling = true;
      mailer.fail = (m) =>
        throttling && m.to === 'ben@example.com' ? new MailerThrottledError('slow down') : undefined;
      const first = await sendBatch(deps, batch);
      expect(first.retry).toBe(true);
      expect(first.outcomes.map((o) => o.outcome)).toEqual(['sent', 'retry', 'retry']);
      expect(states()).toEqual({ 'ada@example.com': 'sent' });

      throttling = false;
      const second = await sendBatch(deps, batch);
      expect(second.retry).toBe(false);
      expect(READERS.map((r) => mailer.to(r))).toEqual([1, 1, 1]);
    });
  });

  it('records a permanent rejection as failed and does not retry it', async () => {
    mailer.fail = (m) =>
      m.to === 'cleo@example.com' ? new MessageRejectedError('Address blacklisted') : undefined;
    const result = await sendBatch(deps, batch);
    expect(result.retry).toBe(false);
    expect(await ledger.get(ISSUE_ID, 'cleo@example.com')).toMatchObject({
      state: 'failed',
      reason: expect.stringContaining('blacklisted'),
    });
    await sendBatch(deps, batch);
    expect(mailer.to('cleo@example.com')).toBe(0);
  });

  describe('invariant 2: only active readers of the edition at the moment of sending', () => {
    it('skips a reader who unsubscribed after the fan-out', async () => {
      await subscribers.save(subscriber('ben@example.com', ['dc'], { status: 'unsubscribed' }));
      await sendBatch(deps, batch);
      expect(mailer.to('ben@example.com')).toBe(0);
      expect(await ledger.get(ISSUE_ID, 'ben@example.com')).toMatchObject({
        state: 'skipped',
        reason: 'not active',
      });
    });

    it('skips a reader who left the edition, one who is suppressed, and one who was erased', async () => {
      await subscribers.save(subscriber('ada@example.com', ['sg']));
      subscribers.suppressions.set('ben@example.com', {
        reason: 'complained',
        at: '2026-11-01T00:00:00.000Z',
      });
      subscribers.profiles.delete('cleo@example.com');
      await sendBatch(deps, batch);
      expect(mailer.sent).toHaveLength(0);
      expect(ledger.entries(ISSUE_ID).map((r) => [r.email, r.reason])).toEqual([
        ['ada@example.com', 'not in edition'],
        ['ben@example.com', 'suppressed'],
        ['cleo@example.com', 'not active'],
      ]);
    });

    it('skips bounced and complained readers', async () => {
      await subscribers.save(subscriber('ada@example.com', ['dc'], { status: 'bounced' }));
      await subscribers.save(subscriber('ben@example.com', ['dc'], { status: 'complained' }));
      await sendBatch(deps, batch);
      expect(mailer.sent.map((m) => m.to)).toEqual(['cleo@example.com']);
    });
  });

  it('records cancelled for every reader of a cancelled issue and sends nothing', async () => {
    await issues.replace({ ...issue(), state: 'cancelled' }, ['sending']);
    const result = await sendBatch(deps, batch);
    expect(result.outcomes.map((o) => o.outcome)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(mailer.sent).toHaveLength(0);
  });

  it('stops mid-batch when the issue is cancelled: every status read begun after the cancel sees it', async () => {
    // The next reader's status is read while the current one is sent, so a cancel landing
    // during Ada's send is seen from the reader after Ben on (Ben's read was already under way;
    // a real cancel also writes Ben's `cancelled` row, which his claim would then meet).
    const send = mailer.send.bind(mailer);
    mailer.send = async (message) => {
      const result = await send(message);
      await issues.replace({ ...issue(), state: 'cancelled' }, ['sending']);
      return result;
    };
    await sendBatch(deps, batch);
    expect(mailer.sent).toHaveLength(2);
    expect(states()).toEqual({
      'ada@example.com': 'sent',
      'ben@example.com': 'sent',
      'cleo@example.com': 'cancelled',
    });
  });

  it("reads the next reader's status while the current one is being sent, and claims in order", async () => {
    const events: string[] = [];
    const getState = issues.getState.bind(issues);
    issues.getState = async (id) => {
      events.push('status read');
      return getState(id);
    };
    const send = mailer.send.bind(mailer);
    mailer.send = async (message) => {
      events.push(`send ${message.to} begins`);
      const result = await send(message);
      events.push(`send ${message.to} ends`);
      return result;
    };
    await sendBatch(deps, batch);
    // Ben's status read starts before Ada's send ends; the sends themselves never overlap.
    expect(events.filter((e) => e.startsWith('send'))).toEqual([
      'send ada@example.com begins',
      'send ada@example.com ends',
      'send ben@example.com begins',
      'send ben@example.com ends',
      'send cleo@example.com begins',
      'send cleo@example.com ends',
    ]);
    const beforeAdaEnds = events.slice(0, events.indexOf('send ada@example.com ends'));
    expect(beforeAdaEnds.filter((e) => e === 'status read')).toHaveLength(2);
  });

  it('waits (asks for redelivery) on a batch of a held issue', async () => {
    await issues.replace({ ...issue(), state: 'held' }, ['sending']);
    const result = await sendBatch(deps, batch);
    expect(result.retry).toBe(true);
    expect(ledger.rows.size).toBe(0);
  });

  it('fails a batch of an issue that does not exist, leaving no claim behind', async () => {
    await expect(
      sendBatch(deps, { issueId: 'dc-1999-01-01', recipients: [{ email: READERS[0] ?? '' }] }),
    ).rejects.toThrow(UnknownIssueError);
    expect(ledger.rows.size).toBe(0);
  });

  it('gives the claim back when the status read fails, so the retry sends instead of calling it unknown', async () => {
    let failures = 1;
    deps.checks = {
      async check(issueId, email) {
        if (failures-- > 0) throw new Error('read timed out');
        const [state, profile, suppressed] = await Promise.all([
          issues.getState(issueId),
          subscribers.get(email),
          subscribers.isSuppressed(email),
        ]);
        return { state, subscriber: profile, suppressed };
      },
    };
    await expect(sendBatch(deps, batch)).rejects.toThrow('read timed out');
    expect(ledger.rows.size).toBe(0);
    expect(mailer.sent).toHaveLength(0);
    // Redelivered at once (no lease to wait out): everyone gets their one email.
    const again = await sendBatch(deps, batch);
    expect(again.outcomes.map((o) => o.outcome)).toEqual(['sent', 'sent', 'sent']);
  });

  describe('nothing before SES leaves a claim behind', () => {
    it('records failed with its reason when the message cannot be built, and leaves no claim', async () => {
      deps.messages = {
        async build(issue, recipient) {
          if (recipient.email === 'ben@example.com') {
            throw new HeaderValueError('List-Unsubscribe must be one line without control characters');
          }
          return plainMessages.build(issue, recipient);
        },
      };
      const result = await sendBatch(deps, batch);
      expect(result.retry).toBe(false);
      expect(result.outcomes.map((o) => o.outcome)).toEqual(['sent', 'failed', 'sent']);
      expect(await ledger.get(ISSUE_ID, 'ben@example.com')).toMatchObject({
        state: 'failed',
        reason: expect.stringContaining('HeaderValueError: List-Unsubscribe must be one line'),
      });
      expect((await ledger.get(ISSUE_ID, 'ben@example.com'))?.claimToken).toBeUndefined();
      expect(mailer.to('ben@example.com')).toBe(0);
      // Nothing is left to a later attempt: no claim to become unknown.
      clock.advance(LEASE + 1);
      await sendBatch(deps, batch);
      expect(states()['ben@example.com']).toBe('failed');
    });

    it('fails every reader of an issue whose message cannot be built at all', async () => {
      const { html: _html, ...unrendered } = issue();
      await issues.replace(unrendered, ['sending']);
      deps.messages = {
        async build(issue, recipient) {
          if (issue.html === undefined) throw new Error(`issue ${issue.id} has no rendered digest`);
          return plainMessages.build(issue, recipient);
        },
      };
      const result = await sendBatch(deps, batch);
      expect(result.outcomes.map((o) => o.outcome)).toEqual(['failed', 'failed', 'failed']);
      expect(Object.values(states())).toEqual(['failed', 'failed', 'failed']);
    });
  });

  describe('the ambiguous window is the SES call and nothing else', () => {
    it('claims a reader only after its status read, its message and its pacing permit', async () => {
      const order: string[] = [];
      const create = ledger.create.bind(ledger);
      ledger.create = async (entry) => {
        order.push(`${entry.state} ${entry.email}`);
        return create(entry);
      };
      deps.limiter = {
        async acquire() {
          order.push('permit');
        },
      };
      deps.messages = {
        async build(issue, recipient) {
          order.push(`build ${recipient.email}`);
          return plainMessages.build(issue, recipient);
        },
      };
      mailer.fail = (m) => {
        order.push(`ses ${m.to}`);
        return undefined;
      };
      await sendBatch(deps, { issueId: ISSUE_ID, recipients: [{ email: 'ada@example.com' }] });
      expect(order).toEqual([
        'build ada@example.com',
        'permit',
        'claimed ada@example.com',
        'ses ada@example.com',
      ]);
    });

    it('leaves no claim when the sender dies waiting for its pacing permit', async () => {
      let permits = 1;
      deps.limiter = {
        async acquire() {
          if (permits-- <= 0) throw new Error('killed while waiting for a permit');
        },
      };
      await expect(sendBatch(deps, batch)).rejects.toThrow('killed while waiting');
      expect(states()).toEqual({ 'ada@example.com': 'sent' });
      // The next attempt sends the others at once: there is no claim to wait out.
      deps.limiter = { acquire: async () => undefined };
      const again = await sendBatch(deps, batch);
      expect(again.outcomes.map((o) => o.outcome)).toEqual(['already-done', 'sent', 'sent']);
      expect(READERS.map((r) => mailer.to(r))).toEqual([1, 1, 1]);
    });

    it('takes no permit and no claim for a reader who is skipped', async () => {
      await subscribers.save(subscriber('ben@example.com', ['dc'], { status: 'unsubscribed' }));
      let permits = 0;
      deps.limiter = {
        async acquire() {
          permits++;
        },
      };
      await sendBatch(deps, batch);
      expect(permits).toBe(2);
      expect((await ledger.get(ISSUE_ID, 'ben@example.com'))?.claimToken).toBeUndefined();
    });
  });

  it('does not mail a recipient whose issue id names another edition', async () => {
    await issues.create({ ...issue(), id: 'sg-2026-11-30', edition: 'sg' });
    await sendBatch(deps, { issueId: 'sg-2026-11-30', recipients: [{ email: 'ada@example.com' }] });
    expect(mailer.sent).toHaveLength(0);
  });
});
