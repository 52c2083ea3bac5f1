import { describe, expect, it } from 'vitest';
import {
  addSubscriber,
  NotSubscribedError,
  readPreferences,
  SubscriptionInputError,
  updatePreferences,
} from '../../../../lambdas/core/subscriptions/index.js';
import { harness, preferencesToken } from '../../../support/subscriptions-harness.js';

describe('preferences', () => {
  it('shows and changes the editions read; choosing none leaves all', async () => {
    const h = harness();
    await addSubscriber(h, { email: 'p@example.com', editions: ['dc'] });
    const token = preferencesToken(h, 'p@example.com');
    expect(await readPreferences(h, token)).toMatchObject({ status: 'active', editions: ['dc'], from: 'dc' });
    expect(await updatePreferences(h, token, ['bxl', 'sg'])).toMatchObject({ editions: ['bxl', 'sg'] });
    expect(await updatePreferences(h, token, [])).toMatchObject({ status: 'unsubscribed', editions: [] });
  });

  it('rejects unknown editions and addresses not on record', async () => {
    const h = harness();
    await addSubscriber(h, { email: 'p@example.com', editions: ['dc'] });
    await expect(
      updatePreferences(h, preferencesToken(h, 'p@example.com'), ['nowhere']),
    ).rejects.toBeInstanceOf(SubscriptionInputError);
    await expect(readPreferences(h, preferencesToken(h, 'x@example.com'))).rejects.toBeInstanceOf(
      NotSubscribedError,
    );
  });
});
