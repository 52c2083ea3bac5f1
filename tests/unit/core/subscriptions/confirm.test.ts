import { describe, expect, it } from 'vitest';
import {
  confirm,
  forgetSubscriber,
  NothingToConfirmError,
  previewConfirmation,
  subscribe,
} from '../../../../lambdas/core/subscriptions/index.js';
import {
  ExpiredTokenError,
  ForgedTokenError,
  WrongPurposeTokenError,
} from '../../../../lambdas/core/tokens.js';
import { harness, unsubscribeToken } from '../../../support/subscriptions-harness.js';

const DAY = 86_400_000;

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
});
