import { describe, expect, it } from 'vitest';
import {
  confirm,
  forgetSubscriber,
  NothingToConfirmError,
  previewConfirmation,
  StaleConfirmationError,
  subscribe,
  unsubscribe,
  updatePreferences,
} from '../../../../lambdas/core/subscriptions/index.js';
import {
  ExpiredTokenError,
  ForgedTokenError,
  WrongPurposeTokenError,
} from '../../../../lambdas/core/tokens.js';
import {
  type Harness,
  harness,
  oldFormatToken,
  preferencesToken,
  unsubscribeToken,
} from '../../../support/subscriptions-harness.js';

const DAY = 86_400_000;
const MINUTE = 60_000;

/** A confirmation token as made before reader ids and issue times: the address and an expiry. */
function oldConfirmToken(h: Harness, email: string, editions: string[], expiresAt: Date): string {
  const x = Math.floor(expiresAt.getTime() / 1000);
  return oldFormatToken(h.keyring, { p: 'confirm', e: email, ds: editions, x });
}

/** A reader of dc and sg who confirmed a minute ago with `old`, the link mailed to them. */
async function confirmedAMinuteAgo(): Promise<{ h: Harness; old: string }> {
  const h = harness();
  await subscribe(h, { email: 'c@example.com', editions: ['dc', 'sg'] });
  const old = h.confirmToken('c@example.com');
  await confirm(h, old);
  h.clock.advance(MINUTE);
  return { h, old };
}

describe('confirm', () => {
  it('activates the editions the link names and is idempotent', async () => {
    const h = harness();
    await subscribe(h, { email: 'c@example.com', editions: ['dc', 'sg'] });
    const token = h.confirmToken('c@example.com');
    expect((await previewConfirmation(h, token)).alreadyConfirmed).toBe(false);
    expect(await h.store.get('c@example.com')).toMatchObject({ status: 'pending' });
    const first = await confirm(h, token);
    const stored = await h.store.get('c@example.com');
    const second = await confirm(h, token);
    expect(first).toMatchObject({ editions: ['dc', 'sg'], alreadyConfirmed: false });
    expect(second).toMatchObject({ editions: ['dc', 'sg'], alreadyConfirmed: true });
    expect(await h.store.get('c@example.com')).toEqual(stored);
    expect(stored?.expiresAt).toBeUndefined();
  });

  it('refuses an expired link, a forged one and one meant for unsubscribing', async () => {
    const h = harness();
    await subscribe(h, { email: 'c@example.com', editions: ['dc'] });
    const token = h.confirmToken('c@example.com');
    h.clock.advance(8 * DAY);
    await expect(confirm(h, token)).rejects.toBeInstanceOf(ExpiredTokenError);
    await expect(confirm(h, `${token.slice(0, -2)}xx`)).rejects.toBeInstanceOf(ForgedTokenError);
    await expect(confirm(h, unsubscribeToken(h, 'c@example.com', 'dc'))).rejects.toBeInstanceOf(
      WrongPurposeTokenError,
    );
  });

  it('does not bring back a reader who was forgotten meanwhile', async () => {
    const h = harness();
    await subscribe(h, { email: 'c@example.com', editions: ['dc'] });
    const token = h.confirmToken('c@example.com');
    await forgetSubscriber(h, 'c@example.com');
    await expect(confirm(h, token)).rejects.toBeInstanceOf(NothingToConfirmError);
    expect(await h.store.get('c@example.com')).toBeUndefined();
  });

  it('keeps editions asked for after the mailed link pending', async () => {
    const h = harness();
    await subscribe(h, { email: 'p@example.com', editions: ['dc'] });
    const token = h.confirmToken('p@example.com');
    await subscribe(h, { email: 'p@example.com', editions: ['sg'] });
    await confirm(h, token);
    expect(await h.store.get('p@example.com')).toMatchObject({
      status: 'active',
      editions: ['dc'],
      pendingEditions: ['sg'],
    });
  });

  it('does not bring back a reader who unsubscribed after the link was mailed; a link mailed since does', async () => {
    const { h, old } = await confirmedAMinuteAgo();
    await unsubscribe(h, unsubscribeToken(h, 'c@example.com', 'dc'));
    await unsubscribe(h, unsubscribeToken(h, 'c@example.com', 'sg'));
    const left = await h.store.get('c@example.com');
    expect(left).toMatchObject({ status: 'unsubscribed', leftAt: h.clock.now().toISOString() });
    h.clock.advance(MINUTE);
    await expect(previewConfirmation(h, old)).rejects.toBeInstanceOf(StaleConfirmationError);
    const refused = await confirm(h, old).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StaleConfirmationError);
    expect(refused).toMatchObject({ email: 'c@example.com', editions: ['dc', 'sg'] });
    expect(refused).toBeInstanceOf(NothingToConfirmError);
    expect(await h.store.get('c@example.com')).toEqual(left);

    h.clock.advance(10 * MINUTE);
    expect(await subscribe(h, { email: 'c@example.com', editions: ['sg'] })).toBe('sent');
    await expect(confirm(h, old)).rejects.toBeInstanceOf(StaleConfirmationError);
    await confirm(h, h.confirmToken('c@example.com'));
    expect(await h.store.get('c@example.com')).toMatchObject({ status: 'active', editions: ['sg'] });
  });

  it('does not give back an edition left since the link was mailed, while other editions stay', async () => {
    const { h, old } = await confirmedAMinuteAgo();
    await updatePreferences(h, preferencesToken(h, 'c@example.com'), ['sg']);
    await expect(confirm(h, old)).rejects.toBeInstanceOf(StaleConfirmationError);
    expect(await h.store.get('c@example.com')).toMatchObject({ status: 'active', editions: ['sg'] });
  });

  it('does not confirm a new request with a link mailed before the reader was forgotten', async () => {
    const h = harness();
    await subscribe(h, { email: 'c@example.com', editions: ['dc'] });
    const old = h.confirmToken('c@example.com');
    await confirm(h, old);
    await forgetSubscriber(h, 'c@example.com');
    h.clock.advance(MINUTE);
    await subscribe(h, { email: 'c@example.com', editions: ['dc'] });
    await expect(confirm(h, old)).rejects.toBeInstanceOf(StaleConfirmationError);
    expect(await h.store.get('c@example.com')).toMatchObject({ status: 'pending' });
    await confirm(h, h.confirmToken('c@example.com'));
    expect(await h.store.get('c@example.com')).toMatchObject({ status: 'active' });
  });

  it('honours a link mailed before issue times were recorded, unless the reader left after it', async () => {
    const h = harness();
    h.clock.advance(123); // not on a whole second, as real requests are not
    await subscribe(h, { email: 'c@example.com', editions: ['dc'] });
    const expiresAt = new Date(h.clock.now().getTime() + 7 * DAY);
    const legacy = oldConfirmToken(h, 'c@example.com', ['dc'], expiresAt);
    await confirm(h, legacy);
    expect(await h.store.get('c@example.com')).toMatchObject({ status: 'active', editions: ['dc'] });

    // A record kept from before departures were recorded: its last change is when it left.
    const stored = await h.store.get('c@example.com');
    if (!stored) throw new Error('no subscriber');
    h.clock.advance(MINUTE);
    await h.store.save({
      ...stored,
      status: 'unsubscribed',
      editions: [],
      updatedAt: h.clock.now().toISOString(),
    });
    await expect(confirm(h, legacy)).rejects.toBeInstanceOf(StaleConfirmationError);
  });
});
