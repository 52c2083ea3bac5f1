import { beforeEach, describe, expect, it } from 'vitest';
import { applyFeedback, type FeedbackDeps, parseFeedback } from '../../../lambdas/core/feedback.js';
import { parseKeyring, readerLinks, verifyMailtoUnsubscribe } from '../../../lambdas/core/tokens.js';
import { testSettings } from '../../support/config.js';
import { ManualClock } from '../../support/fakes/clock.js';
import { subscriber } from '../../support/fakes/delivery.js';
import { MemorySubscriberStore } from '../../support/fakes/subscriber-store.js';

const config = testSettings({
  ses: { maxSendRate: 14, configurationSet: 'tidings', transientBounceLimit: 2 },
  editions: [
    { id: 'dc', name: 'D.C.', timeZone: 'America/New_York', sendTime: '06:30' },
    { id: 'sg', name: 'SG', timeZone: 'Asia/Singapore', sendTime: '07:30' },
  ],
});
const keyring = parseKeyring(
  JSON.stringify({ active: 'k1', keys: [{ id: 'k1', secret: Buffer.alloc(32, 7).toString('base64') }] }),
);

const bounce = (email: string, bounceType = 'Permanent') => ({
  eventType: 'Bounce',
  mail: { messageId: 'm1', destination: [email] },
  bounce: { bounceType, bounceSubType: 'General', bouncedRecipients: [{ emailAddress: email }] },
});
const complaint = (email: string) => ({
  eventType: 'Complaint',
  complaint: { complainedRecipients: [{ emailAddress: email }], complaintFeedbackType: 'abuse' },
});
const delivery = (email: string) => ({ eventType: 'Delivery', delivery: { recipients: [email] } });
const received = (to: string, from: string) => ({
  notificationType: 'Received',
  receipt: { recipients: [to], spfVerdict: { status: 'PASS' } },
  mail: { source: from, commonHeaders: { from: [`Reader <${from}>`], subject: 'unsubscribe' } },
});

describe('parseFeedback', () => {
  it('reads event publishing and notification shapes alike', () => {
    expect(parseFeedback(bounce('a@example.com'))).toEqual({
      kind: 'bounce',
      permanent: true,
      recipients: ['a@example.com'],
    });
    expect(
      parseFeedback({ ...bounce('a@example.com'), eventType: undefined, notificationType: 'Bounce' }),
    ).toMatchObject({ kind: 'bounce' });
    expect(parseFeedback(complaint('a@example.com'))).toMatchObject({ kind: 'complaint' });
    expect(parseFeedback(delivery('a@example.com'))).toMatchObject({ kind: 'delivery' });
    expect(parseFeedback(received('unsubscribe+x@tidings.example', 'a@example.com'))).toMatchObject({
      kind: 'unsubscribe-mail',
      from: 'Reader <a@example.com>',
      authenticated: true,
    });
  });

  it.each([
    ['null', null],
    ['a string', 'Bounce'],
    ['an unknown event', { eventType: 'Open', open: {} }],
    [
      'a bounce without recipients',
      { eventType: 'Bounce', bounce: { bounceType: 'Permanent', bouncedRecipients: [] } },
    ],
    [
      'a bounce of unknown type',
      { eventType: 'Bounce', bounce: { bounceType: 'Soft', bouncedRecipients: [{ emailAddress: 'a@b.c' }] } },
    ],
    [
      'a complaint with a numeric address',
      { eventType: 'Complaint', complaint: { complainedRecipients: [{ emailAddress: 5 }] } },
    ],
    ['a receipt without recipients', { notificationType: 'Received', receipt: { recipients: [] }, mail: {} }],
    ['a huge recipient list', { eventType: 'Delivery', delivery: { recipients: Array(500).fill('a@b.c') } }],
  ])('ignores %s', (_name, message) => {
    expect(parseFeedback(message)).toBeUndefined();
  });
});

describe('applyFeedback', () => {
  let subscribers: MemorySubscriberStore;
  let deps: FeedbackDeps;

  beforeEach(async () => {
    subscribers = new MemorySubscriberStore();
    deps = {
      config,
      subscribers,
      clock: new ManualClock(new Date('2026-11-30T12:00:00.000Z')),
      verifyMailto: (local, from) => verifyMailtoUnsubscribe(keyring, local, from),
    };
    await subscribers.save(subscriber('ada@example.com', ['dc', 'sg']));
  });

  const apply = async (message: unknown) => {
    const event = parseFeedback(message);
    if (!event) throw new Error('unparsed');
    return applyFeedback(deps, event);
  };

  it('marks a hard bounce bounced', async () => {
    expect(await apply(bounce('Ada@Example.com'))).toEqual([{ email: 'ada@example.com', action: 'bounced' }]);
    expect(await subscribers.get('ada@example.com')).toMatchObject({
      status: 'bounced',
      statusReason: 'hard bounce',
    });
  });

  it('marks a complaint complained, even after a bounce', async () => {
    await apply(bounce('ada@example.com'));
    await apply(complaint('ada@example.com'));
    expect((await subscribers.get('ada@example.com'))?.status).toBe('complained');
  });

  it('suppresses after the configured number of transient bounces in a row; a delivery resets the count', async () => {
    await apply(bounce('ada@example.com', 'Transient'));
    expect(await subscribers.get('ada@example.com')).toMatchObject({ status: 'active', transientBounces: 1 });
    await apply(delivery('ada@example.com'));
    expect((await subscribers.get('ada@example.com'))?.transientBounces).toBeUndefined();
    await apply(bounce('ada@example.com', 'Transient'));
    await apply(bounce('ada@example.com', 'Transient'));
    expect(await subscribers.get('ada@example.com')).toMatchObject({
      status: 'bounced',
      transientBounces: 2,
    });
  });

  it('does not turn an unsubscribed reader into a bounced one', async () => {
    await subscribers.save(subscriber('ada@example.com', ['dc'], { status: 'unsubscribed' }));
    expect((await apply(bounce('ada@example.com')))[0]).toMatchObject({ action: 'ignored' });
  });

  it('ignores addresses that are not subscribers', async () => {
    expect((await apply(bounce('stranger@example.com')))[0]).toMatchObject({ action: 'ignored' });
    expect(subscribers.profiles.has('stranger@example.com')).toBe(false);
  });

  describe('mail to the unsubscribe address', () => {
    const mailto = (email: string, edition: string): string =>
      readerLinks(keyring, {
        baseUrl: config.baseUrl,
        mailDomain: 'tidings.example',
        email,
        edition,
      }).unsubscribeMailto.slice('mailto:'.length);

    it('leaves the edition the address names, and stays active for the others', async () => {
      expect(await apply(received(mailto('ada@example.com', 'dc'), 'ada@example.com'))).toEqual([
        { email: 'ada@example.com', action: 'unsubscribed' },
      ]);
      expect(await subscribers.get('ada@example.com')).toMatchObject({ status: 'active', editions: ['sg'] });
    });

    it('unsubscribes entirely when the last edition is left', async () => {
      await apply(received(mailto('ada@example.com', 'dc'), 'ada@example.com'));
      await apply(received(mailto('ada@example.com', 'sg'), 'ada@example.com'));
      expect(await subscribers.get('ada@example.com')).toMatchObject({
        status: 'unsubscribed',
        editions: [],
      });
    });

    it('does nothing when the sender is not the reader the address was made for', async () => {
      const result = await apply(received(mailto('ada@example.com', 'dc'), 'mallory@example.com'));
      expect(result[0]).toMatchObject({ action: 'ignored' });
      expect((await subscribers.get('ada@example.com'))?.editions).toEqual(['dc', 'sg']);
    });

    it('does nothing when SES could not authenticate the sender', async () => {
      const message = received(mailto('ada@example.com', 'dc'), 'ada@example.com');
      message.receipt.spfVerdict.status = 'FAIL';
      expect((await apply(message))[0]).toMatchObject({ action: 'ignored' });
      expect((await subscribers.get('ada@example.com'))?.editions).toEqual(['dc', 'sg']);
    });

    it('does nothing for a forged code or another domain', async () => {
      await apply(received('unsubscribe+dc.aaaaaaaaaaaaaaaa@tidings.example', 'ada@example.com'));
      await apply(
        received(
          mailto('ada@example.com', 'dc').replace('tidings.example', 'evil.example'),
          'ada@example.com',
        ),
      );
      expect((await subscribers.get('ada@example.com'))?.editions).toEqual(['dc', 'sg']);
    });
  });
});
