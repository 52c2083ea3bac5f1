import { describe, expect, it } from 'vitest';
import { addSubscriber } from '../../../lambdas/core/subscriptions/index.js';
import { links, postJson, setup, snapshot } from './support/app.js';

describe('every GET leaves state unchanged', () => {
  it('for every route a link scanner might open', async () => {
    const { app, h, tasks } = setup();
    await addSubscriber(h, { email: 'g@example.com', editions: ['dc'] });
    await postJson(app, '/subscribe', { email: 'q@example.com', editions: ['sg'] });
    await tasks.drain();
    const l = links(h, 'g@example.com', 'dc');
    const before = snapshot(h);
    for (const url of [
      '/',
      '/health',
      '/issues?edition=dc',
      `/confirm?token=${h.confirmToken('q@example.com')}`,
      l.unsubscribeUrl,
      l.preferencesUrl,
      '/subscribe',
    ]) {
      await app.request(url.replace(h.config.baseUrl, ''));
      await app.request(url.replace(h.config.baseUrl, ''), { method: 'HEAD' });
    }
    await tasks.drain();
    expect(snapshot(h)).toBe(before);
  });
});
