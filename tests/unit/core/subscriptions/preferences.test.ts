import { describe, expect, it } from 'vitest';
import {
  addSubscriber,
  ConfirmationRequiredError,
  forgetSubscriber,
  NotSubscribedError,
  readPreferences,
  SubscriptionInputError,
  subscribe,
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

  it('does not bring back a reader who left: it asks for a newly mailed confirmation instead', async () => {
    const h = harness();
    await addSubscriber(h, { email: 'p@example.com', editions: ['dc'] });
    const token = preferencesToken(h, 'p@example.com');
    await updatePreferences(h, token, []);
    const left = await h.store.get('p@example.com');
    expect(left).toMatchObject({ status: 'unsubscribed' });
    const refused = await updatePreferences(h, token, ['dc', 'sg']).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfirmationRequiredError);
    expect(refused).toMatchObject({ email: 'p@example.com', editions: ['dc', 'sg'] });
    expect(await h.store.get('p@example.com')).toEqual(left);
    expect(h.mailer.sent).toHaveLength(0);
  });

  it('does not activate a new unconfirmed request of a forgotten reader through their old link', async () => {
    const h = harness();
    await addSubscriber(h, { email: 'p@example.com', editions: ['dc'] });
    const token = preferencesToken(h, 'p@example.com');
    await forgetSubscriber(h, 'p@example.com');
    await subscribe(h, { email: 'p@example.com', editions: ['sg'] });
    await expect(updatePreferences(h, token, ['sg'])).rejects.toBeInstanceOf(ConfirmationRequiredError);
    expect(await h.store.get('p@example.com')).toMatchObject({ status: 'pending' });
  });
});
