import { describe, expect, it } from 'vitest';
import type { Issue } from '../../../lambdas/core/issue.js';
import { resendUnknown, type SendDeps } from '../../../lambdas/core/send.js';
import { ManualClock } from '../../support/fakes/clock.js';
import {
  MemoryIssueStore,
  MemoryLedgerStore,
  plainMessages,
  subscriber,
} from '../../support/fakes/delivery.js';
import { RecordingMailer } from '../../support/fakes/mailer.js';
import { MemorySubscriberStore } from '../../support/fakes/subscriber-store.js';

/** `tidings resend <issue-id> --unknown`: the operator's send of the readers left `unknown`. */

const ISSUE = 'dc-2026-11-30';
const issue: Issue = {
  id: ISSUE,
  edition: 'dc',
  localDate: '2026-11-30',
  state: 'sending',
  cutoff: '2026-11-30T11:30:00.000Z',
  briefIds: ['b1'],
  briefs: [],
  subject: 's',
  html: '<p>x</p>',
  text: 'x',
  counts: { enqueued: 3, fanouts: 1 },
  createdAt: '2026-11-30T11:30:00.000Z',
  updatedAt: '2026-11-30T11:30:00.000Z',
};

async function setup(): Promise<{ deps: SendDeps; ledger: MemoryLedgerStore; mailer: RecordingMailer }> {
  const issues = new MemoryIssueStore();
  await issues.create(issue);
  const ledger = new MemoryLedgerStore();
  const subscribers = new MemorySubscriberStore();
  for (const email of ['ada@example.com', 'ben@example.com'])
    await subscribers.save(subscriber(email, ['dc']));
  await subscribers.save(subscriber('cleo@example.com', ['dc'], { status: 'unsubscribed' }));
  for (const email of ['ada@example.com', 'ben@example.com', 'cleo@example.com']) {
    await ledger.create({
      issueId: ISSUE,
      email,
      state: 'unknown',
      claimToken: 'dead',
      claimedAt: '2026-11-30T11:31:00.000Z',
      reason: 'claim outlived its lease: SES may have sent it',
      updatedAt: '2026-11-30T11:35:00.000Z',
      expiresAt: 2_000_000_000,
    });
  }
  const mailer = new RecordingMailer();
  let n = 0;
  const clock = new ManualClock(new Date('2026-11-30T12:00:00.000Z'));
  const deps: SendDeps = {
    issues,
    ledger,
    subscribers,
    messages: plainMessages,
    mailer,
    limiter: { acquire: async () => undefined },
    clock,
    sleep: async () => undefined,
    newToken: () => `op-${++n}`,
    leaseMs: 180_000,
  };
  return { deps, ledger, mailer };
}

describe('resendUnknown', () => {
  it('sends each unknown reader who may be mailed once, recorded sent; a reader who left stays unknown', async () => {
    const { deps, ledger, mailer } = await setup();
    const results = await resendUnknown(deps, ISSUE);
    expect(results.map((r) => [r.email, r.outcome])).toEqual([
      ['ada@example.com', 'sent'],
      ['ben@example.com', 'sent'],
      ['cleo@example.com', 'not eligible'],
    ]);
    expect(mailer.sent.map((m) => m.to)).toEqual(['ada@example.com', 'ben@example.com']);
    expect(await ledger.get(ISSUE, 'ada@example.com')).toMatchObject({ state: 'sent', messageId: 'msg-1' });
    expect((await ledger.get(ISSUE, 'cleo@example.com'))?.state).toBe('unknown');
    expect(await resendUnknown(deps, ISSUE)).toEqual([
      { email: 'cleo@example.com', outcome: 'not eligible' },
    ]);
  });

  it('does not send a reader whose row a Send event settled meanwhile', async () => {
    const { deps, ledger, mailer } = await setup();
    const claim = ledger.claimUnknown.bind(ledger);
    ledger.claimUnknown = async (issueId, email, token, at) => {
      // SES's Send event arrives between the listing and the claim.
      if (email === 'ada@example.com') {
        await ledger.settleFromSendEvent(issueId, email, { messageId: 'ses-late', sentAt: at, at });
      }
      return claim(issueId, email, token, at);
    };
    const results = await resendUnknown(deps, ISSUE);
    expect(results[0]).toEqual({ email: 'ada@example.com', outcome: 'already-done' });
    expect(mailer.to('ada@example.com')).toBe(0);
    expect(await ledger.get(ISSUE, 'ada@example.com')).toMatchObject({
      state: 'sent',
      messageId: 'ses-late',
    });
  });
});
