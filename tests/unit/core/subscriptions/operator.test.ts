import { describe, expect, it } from 'vitest';
import {
  addSubscriber,
  removeSubscriber,
  SuppressedAddressError,
} from '../../../../lambdas/core/subscriptions/index.js';
import { harness } from '../../../support/subscriptions-harness.js';

describe('operator commands', () => {
  it('adds readers active at once with operator consent, and refuses suppressed ones', async () => {
    const h = harness();
    expect(await addSubscriber(h, { email: 'o@example.com', editions: ['dc'] })).toBe('added');
    expect(await addSubscriber(h, { email: 'o@example.com', editions: ['dc'] })).toBe('unchanged');
    expect(await h.store.get('o@example.com')).toMatchObject({
      status: 'active',
      consent: { method: 'operator' },
    });
    const stored = await h.store.get('o@example.com');
    if (!stored) throw new Error('missing');
    await h.store.save({ ...stored, status: 'bounced' });
    await expect(addSubscriber(h, { email: 'o@example.com', editions: ['dc'] })).rejects.toBeInstanceOf(
      SuppressedAddressError,
    );
  });

  it('removes a reader from everything but keeps the record', async () => {
    const h = harness();
    await addSubscriber(h, { email: 'o@example.com', editions: ['dc', 'sg'] });
    expect(await removeSubscriber(h, 'o@example.com')).toBe(true);
    expect(await h.store.get('o@example.com')).toMatchObject({ status: 'unsubscribed', editions: [] });
    expect(await removeSubscriber(h, 'none@example.com')).toBe(false);
  });
});
