import { describe, expect, it } from 'vitest';
import {
  addSubscriber,
  previewUnsubscribe,
  unsubscribe,
} from '../../../../lambdas/core/subscriptions/index.js';
import { harness, unsubscribeToken } from '../../../support/subscriptions-harness.js';

describe('unsubscribe', () => {
  it('leaves only the edition the link names, then the status becomes unsubscribed', async () => {
    const h = harness();
    await addSubscriber(h, { email: 'u@example.com', editions: ['dc', 'sg'] });
    const preview = await previewUnsubscribe(h, unsubscribeToken(h, 'u@example.com', 'dc'));
    expect(preview).toEqual({ email: 'u@example.com', edition: 'dc', remaining: ['sg'] });
    expect((await h.store.get('u@example.com'))?.editions).toEqual(['dc', 'sg']);
    await unsubscribe(h, unsubscribeToken(h, 'u@example.com', 'dc'), 'one-click');
    expect(await h.store.get('u@example.com')).toMatchObject({ status: 'active', editions: ['sg'] });
    await unsubscribe(h, unsubscribeToken(h, 'u@example.com', 'sg'), 'one-click');
    expect(await h.store.get('u@example.com')).toMatchObject({
      status: 'unsubscribed',
      editions: [],
      statusReason: 'one-click unsubscribe',
    });
  });

  it('is idempotent and harmless for an edition not read or an address not held', async () => {
    const h = harness();
    await addSubscriber(h, { email: 'u@example.com', editions: ['sg'] });
    const stored = await h.store.get('u@example.com');
    await unsubscribe(h, unsubscribeToken(h, 'u@example.com', 'dc'));
    expect(await h.store.get('u@example.com')).toEqual(stored);
    await expect(unsubscribe(h, unsubscribeToken(h, 'nobody@example.com', 'dc'))).resolves.toMatchObject({
      remaining: [],
    });
    expect(await h.store.get('nobody@example.com')).toBeUndefined();
  });

  it('honours links signed before the key rotated', async () => {
    const h = harness();
    await addSubscriber(h, { email: 'r@example.com', editions: ['dc'] });
    const old = unsubscribeToken(h, 'r@example.com', 'dc');
    const rotated = {
      ...h,
      keyring: { active: { id: 'k2', secret: new Uint8Array(32).fill(7) }, keys: [...h.keyring.keys] },
    };
    rotated.keyring.keys.push(rotated.keyring.active);
    await unsubscribe(rotated, old);
    expect((await h.store.get('r@example.com'))?.status).toBe('unsubscribed');
  });
});
