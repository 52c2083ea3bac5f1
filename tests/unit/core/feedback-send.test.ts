import { describe, expect, it } from 'vitest';
import {
  applyFeedback,
  type FeedbackDeps,
  parseFeedback,
  sesTagValue,
} from '../../../lambdas/core/feedback.js';
import { testSettings } from '../../support/config.js';
import { ManualClock } from '../../support/fakes/clock.js';
import { MemoryLedgerStore } from '../../support/fakes/delivery.js';
import { MemorySubscriberStore } from '../../support/fakes/subscriber-store.js';

/** SES's Send events settle the send ledger: unknowns and claims left by a crash become `sent`. */

const config = testSettings({
  ses: { maxSendRate: 14 },
  editions: [{ id: 'dc', name: 'D.C.', timeZone: 'America/New_York', sendTime: '06:30' }],
});
const ISSUE = 'dc-2026-11-30';

/** A Send event as SES publishes it to SNS (event publishing). */
const sendEvent = (to: string, tags: Record<string, string[]> = { issue: [ISSUE] }) => ({
  eventType: 'Send',
  mail: {
    timestamp: '2026-11-30T11:31:02.000Z',
    source: 'digest@tidings.example',
    sendingAccountId: '123456789012',
    messageId: '0100018c-send-event',
    destination: [to],
    headersTruncated: false,
    tags: { 'ses:configuration-set': ['tidings'], ...tags },
  },
  send: {},
});

function setup(): { deps: FeedbackDeps; ledger: MemoryLedgerStore } {
  const ledger = new MemoryLedgerStore();
  const deps: FeedbackDeps = {
    config,
    subscribers: new MemorySubscriberStore(),
    clock: new ManualClock(new Date('2026-11-30T11:40:00.000Z')),
    verifyMailto: () => undefined,
    ledger,
  };
  return { deps, ledger };
}

const row = (email: string, state: 'claimed' | 'unknown' | 'skipped' | 'sent') => ({
  issueId: ISSUE,
  email,
  state,
  claimToken: 'dead',
  claimedAt: '2026-11-30T11:31:00.000Z',
  updatedAt: '2026-11-30T11:31:00.000Z',
  expiresAt: 2_000_000_000,
  ...(state === 'sent' ? { messageId: 'own-id' } : {}),
});

describe('Send events', () => {
  it('reads the issue from the message tag and the recipient from mail.destination', () => {
    expect(parseFeedback(sendEvent('ada@example.com'))).toEqual({
      kind: 'send',
      messageId: '0100018c-send-event',
      sentAt: '2026-11-30T11:31:02.000Z',
      recipients: ['ada@example.com'],
      issueId: ISSUE,
    });
    // Not a digest (a confirmation email): no issue.
    expect(parseFeedback(sendEvent('ada@example.com', {}))).not.toHaveProperty('issueId');
    // A tag that is not an issue id names none.
    expect(parseFeedback(sendEvent('ada@example.com', { issue: ['../etc'] }))).not.toHaveProperty('issueId');
  });

  it('settles an unknown row as sent with the message id SES gave', async () => {
    const { deps, ledger } = setup();
    await ledger.create(row('ada@example.com', 'unknown'));
    const event = parseFeedback(sendEvent('Ada@Example.com'));
    if (!event) throw new Error('not parsed');
    expect(await applyFeedback(deps, event)).toEqual([{ email: 'ada@example.com', action: 'sent-recorded' }]);
    expect(await ledger.get(ISSUE, 'ada@example.com')).toMatchObject({
      state: 'sent',
      messageId: '0100018c-send-event',
      sentAt: '2026-11-30T11:31:02.000Z',
    });
  });

  it('settles a claim its sender left behind (it died after SES took the message)', async () => {
    const { deps, ledger } = setup();
    await ledger.create(row('ben@example.com', 'claimed'));
    const event = parseFeedback(sendEvent('ben@example.com'));
    if (!event) throw new Error('not parsed');
    await applyFeedback(deps, event);
    expect((await ledger.get(ISSUE, 'ben@example.com'))?.state).toBe('sent');
  });

  it('leaves settled rows and absent rows alone, and ignores mail without an issue tag', async () => {
    const { deps, ledger } = setup();
    await ledger.create(row('cleo@example.com', 'sent'));
    await ledger.create(row('dan@example.com', 'skipped'));
    for (const email of ['cleo@example.com', 'dan@example.com', 'eve@example.com']) {
      const event = parseFeedback(sendEvent(email));
      if (!event) throw new Error('not parsed');
      const [action] = await applyFeedback(deps, event);
      expect(action?.action).toBe('ignored');
    }
    expect(await ledger.get(ISSUE, 'cleo@example.com')).toMatchObject({ state: 'sent', messageId: 'own-id' });
    expect((await ledger.get(ISSUE, 'dan@example.com'))?.state).toBe('skipped');
    expect(await ledger.get(ISSUE, 'eve@example.com')).toBeUndefined();
    await ledger.create(row('fay@example.com', 'unknown'));
    const untagged = parseFeedback(sendEvent('fay@example.com', {}));
    if (!untagged) throw new Error('not parsed');
    expect((await applyFeedback(deps, untagged))[0]?.action).toBe('ignored');
    expect((await ledger.get(ISSUE, 'fay@example.com'))?.state).toBe('unknown');
  });

  it('makes tag values of letters, digits, _ and - only', () => {
    expect(sesTagValue('dc-2026-11-30')).toBe('dc-2026-11-30');
    expect(sesTagValue('a b/c.d\u00e9')).toBe('a_b_c_d_');
  });
});
