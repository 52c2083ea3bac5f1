import { describe, expect, it } from 'vitest';
import {
  addSubscriber,
  confirm,
  forgetSubscriber,
  previewConfirmation,
  subscribe,
  unsubscribe,
} from '../../../../lambdas/core/subscriptions/index.js';
import { harness, unsubscribeToken } from '../../../support/subscriptions-harness.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

describe('subscribe', () => {
  it('records a pending request with consent and mails one confirmation link', async () => {
    const h = harness();
    expect(
      await subscribe(h, {
        email: ' New@Example.com',
        editions: ['sg', 'dc'],
        name: 'Ada',
        clientAddress: '198.51.100.4',
      }),
    ).toBe('sent');
    const stored = await h.store.get('new@example.com');
    expect(stored).toMatchObject({
      status: 'pending',
      editions: ['dc', 'sg'],
      name: 'Ada',
      consent: { method: 'form' },
    });
    expect(stored?.consent.clientHash).toMatch(/^k1:[0-9a-f]{32}$/);
    expect(JSON.stringify(stored)).not.toContain('198.51.100.4');
    expect(h.confirmLinks('new@example.com')).toHaveLength(1);
    expect(h.confirmLinks('new@example.com')[0]).toMatch(/^https:\/\/news\.example\.org\/confirm\?token=/);
  });

  it('sends at most one confirmation per address per window, and folds later asks into the next one', async () => {
    const h = harness();
    await subscribe(h, { email: 'a@example.com', editions: ['dc'] });
    h.clock.advance(5 * MINUTE);
    expect(await subscribe(h, { email: 'a@example.com', editions: ['sg'] })).toBe('recorded');
    expect(h.confirmLinks('a@example.com')).toHaveLength(1);
    h.clock.advance(6 * MINUTE);
    expect(await subscribe(h, { email: 'a@example.com', editions: ['dc'] })).toBe('sent');
    expect(h.confirmLinks('a@example.com')).toHaveLength(2);
    const view = await previewConfirmation(h, h.confirmToken('a@example.com'));
    expect(view.editions).toEqual(['dc', 'sg']);
  });

  it('does not change what an active reader receives until the new editions are confirmed', async () => {
    const h = harness();
    await addSubscriber(h, { email: 'reader@example.com', editions: ['dc'] });
    await subscribe(h, { email: 'reader@example.com', editions: ['sg'], name: 'Someone Else' });
    const before = await h.store.get('reader@example.com');
    expect(before).toMatchObject({ status: 'active', editions: ['dc'], pendingEditions: ['sg'] });
    expect(before?.name).toBeUndefined();
    await confirm(h, h.confirmToken('reader@example.com'));
    expect(await h.store.get('reader@example.com')).toMatchObject({
      status: 'active',
      editions: ['dc', 'sg'],
    });
    expect((await h.store.get('reader@example.com'))?.pendingEditions).toBeUndefined();
  });

  it('answers an active reader asking for what they already get with a link that changes nothing', async () => {
    const h = harness();
    await addSubscriber(h, { email: 'same@example.com', editions: ['dc'] });
    expect(await subscribe(h, { email: 'same@example.com', editions: ['dc'] })).toBe('sent');
    const stored = await h.store.get('same@example.com');
    expect(stored?.pendingEditions).toBeUndefined();
    expect(await confirm(h, h.confirmToken('same@example.com'))).toMatchObject({ alreadyConfirmed: true });
    expect(await h.store.get('same@example.com')).toEqual(stored);
  });

  it('lets an unsubscribed reader come back through the same double opt-in', async () => {
    const h = harness();
    await addSubscriber(h, { email: 'back@example.com', editions: ['dc'] });
    await unsubscribe(h, unsubscribeToken(h, 'back@example.com', 'dc'));
    await subscribe(h, { email: 'back@example.com', editions: ['bxl'] });
    expect((await h.store.get('back@example.com'))?.status).toBe('unsubscribed');
    await confirm(h, h.confirmToken('back@example.com'), '192.0.2.1');
    const after = await h.store.get('back@example.com');
    expect(after).toMatchObject({ status: 'active', editions: ['bxl'], consent: { method: 'form' } });
    expect(after?.consent.confirmedAt).toBe(h.clock.now().toISOString());
    expect(after?.consent.confirmClientHash).toMatch(/^k1:/);
  });

  it('answers a bounced or complained address without storing or mailing anything', async () => {
    const h = harness();
    await addSubscriber(h, { email: 'gone@example.com', editions: ['dc'] });
    const stored = await h.store.get('gone@example.com');
    if (!stored) throw new Error('not stored');
    await h.store.save({ ...stored, status: 'complained', statusReason: 'complaint' });
    expect(await subscribe(h, { email: 'gone@example.com', editions: ['sg'] })).toBe('suppressed');
    expect(h.mailer.sent).toHaveLength(0);
    expect((await h.store.get('gone@example.com'))?.pendingEditions).toBeUndefined();
    await forgetSubscriber(h, 'gone@example.com');
    expect(await subscribe(h, { email: 'gone@example.com', editions: ['sg'] })).toBe('suppressed');
    expect(await h.store.get('gone@example.com')).toBeUndefined();
    expect(await h.store.isSuppressed('gone@example.com')).toBe(true);
  });

  it('lets a forgotten reader who had simply left subscribe again', async () => {
    const h = harness();
    await addSubscriber(h, { email: 'f@example.com', editions: ['dc'] });
    await forgetSubscriber(h, 'f@example.com');
    expect(await h.store.isSuppressed('f@example.com')).toBe(true);
    expect(await subscribe(h, { email: 'f@example.com', editions: ['dc'] })).toBe('sent');
    await confirm(h, h.confirmToken('f@example.com'));
    expect(await h.store.isSuppressed('f@example.com')).toBe(false);
    expect((await h.store.get('f@example.com'))?.status).toBe('active');
  });

  it.each([
    ['no address', { email: '', editions: ['dc'] }, 'email'],
    ['a bad address', { email: 'not-an-address', editions: ['dc'] }, 'email'],
    ['a fullwidth at sign', { email: 'a＠example.com', editions: ['dc'] }, 'email'],
    ['a Cyrillic letter', { email: 'аdmin@example.com', editions: ['dc'] }, 'email'],
    ['a zero-width space', { email: 'a\u200b@example.com', editions: ['dc'] }, 'email'],
    ['a line break', { email: 'a@example.com\r\nBcc: x@example.com', editions: ['dc'] }, 'email'],
    [
      'an address over 254 characters',
      { email: `${'a'.repeat(64)}@${'b'.repeat(200)}.com`, editions: ['dc'] },
      'email',
    ],
    ['an unknown edition', { email: 'a@example.com', editions: ['atlantis'] }, 'editions'],
    ['no edition', { email: 'a@example.com', editions: [] }, 'editions'],
    [
      'a name with a line break',
      { email: 'a@example.com', editions: ['dc'], name: 'Ada\r\nBcc: x@example.com' },
      'name',
    ],
    [
      'a name with a bidi override',
      { email: 'a@example.com', editions: ['dc'], name: 'Ada\u202egnp.exe' },
      'name',
    ],
  ])('rejects %s before storing anything', async (_label, request, field) => {
    const h = harness();
    await expect(subscribe(h, request)).rejects.toMatchObject({ name: 'SubscriptionInputError', field });
    expect(h.store.profiles.size).toBe(0);
    expect(h.mailer.sent).toHaveLength(0);
  });

  it('gives the window back when the confirmation could not be sent, so asking again works', async () => {
    const h = harness();
    const send = h.mailer.send.bind(h.mailer);
    h.mailer.send = async () => {
      throw new Error('SES unavailable');
    };
    await expect(subscribe(h, { email: 'retry@example.com', editions: ['dc'] })).rejects.toThrow(
      'SES unavailable',
    );
    expect((await h.store.get('retry@example.com'))?.lastConfirmationSentAt).toBeUndefined();
    h.mailer.send = send;
    expect(await subscribe(h, { email: 'retry@example.com', editions: ['dc'] })).toBe('sent');
    expect(h.confirmLinks('retry@example.com')).toHaveLength(1);
  });

  it('drops an unconfirmed request after its time to live', async () => {
    const h = harness();
    await subscribe(h, { email: 'late@example.com', editions: ['dc'] });
    h.clock.advance(9 * DAY);
    expect(await h.store.get('late@example.com')).toBeUndefined();
    expect(await subscribe(h, { email: 'late@example.com', editions: ['dc'] })).toBe('sent');
  });
});

describe('subscribe: zone and rhythm', () => {
  it('a pending reader asking again within the window updates their choices without a second email', async () => {
    const h = harness();
    await subscribe(h, { email: 'w@example.com', editions: ['dc'], timeZone: 'Europe/Paris' });
    h.clock.advance(MINUTE);
    expect(await subscribe(h, { email: 'w@example.com', editions: ['dc'], rhythm: 'weekly' })).toBe(
      'recorded',
    );
    expect(await h.store.get('w@example.com')).toMatchObject({ timeZone: 'Europe/Paris', rhythm: 'weekly' });
    expect(h.confirmLinks('w@example.com')).toHaveLength(1);
  });

  it('keeps the choices through confirmation', async () => {
    const h = harness();
    await subscribe(h, {
      email: 'c@example.com',
      editions: ['sg'],
      timeZone: 'Asia/Kolkata',
      rhythm: 'weekdays',
    });
    await confirm(h, h.confirmToken('c@example.com'));
    expect(await h.store.get('c@example.com')).toMatchObject({
      status: 'active',
      timeZone: 'Asia/Kolkata',
      rhythm: 'weekdays',
    });
  });

  it('leaves an active reader’s choices alone: a post by anyone changes nothing they receive', async () => {
    const h = harness();
    await addSubscriber(h, { email: 'a@example.com', editions: ['dc'], rhythm: 'weekdays' });
    await subscribe(h, {
      email: 'a@example.com',
      editions: ['dc'],
      timeZone: 'Pacific/Kiritimati',
      rhythm: 'weekly',
    });
    const stored = await h.store.get('a@example.com');
    expect(stored?.timeZone).toBeUndefined();
    expect(stored?.rhythm).toBe('weekdays');
  });
});
