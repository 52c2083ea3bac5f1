import { describe, expect, it } from 'vitest';
import { createApp } from '../../../lambdas/adapters/http/app.js';
import { TidingsError } from '../../../lambdas/core/errors.js';
import { ConcurrentUpdateError } from '../../../lambdas/core/subscriber.js';
import { addSubscriber } from '../../../lambdas/core/subscriptions/index.js';
import { FORM_HEADERS, type H, links, pathOf, postJson, setup } from './support/app.js';

describe('errors', () => {
  it('answers unknown paths with 404, as JSON to JSON clients', async () => {
    const { app } = setup();
    expect((await app.request('/nowhere')).status).toBe(404);
    const json = await app.request('/nowhere', { headers: { accept: 'application/json' } });
    expect(await json.json()).toMatchObject({ error: 'not_found' });
  });

  it('hides internal failures behind a 500 page', async () => {
    const { h } = setup();
    const seen: unknown[] = [];
    const app = createApp({
      config: h.config,
      subscribers: {
        ...h.store,
        get: () => Promise.reject(new Error('table gone')),
      } as unknown as typeof h.store,
      keyring: h.keyring,
      mailer: h.mailer,
      clock: h.clock,
      confirmationEmail: h.confirmationEmail,
      onError: (error) => seen.push(error),
    });
    await addSubscriber(h, { email: 'e@example.com', editions: ['dc'] });
    const response = await app.request(
      links(h, 'e@example.com', 'dc').unsubscribeUrl.replace(h.config.baseUrl, ''),
    );
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('table gone');
    expect(seen).toHaveLength(1);
  });
});

/** A store outage of the kind a real adapter would report. */
class StoreUnavailableError extends TidingsError {
  override readonly name = 'StoreUnavailableError';
  override readonly kind = 'unavailable';
}

/** The app over a store whose `get` fails with `error`; `seen` collects what is logged. */
function failingApp(error: Error): { app: ReturnType<typeof createApp>; h: H; seen: unknown[] } {
  const { h } = setup();
  const seen: unknown[] = [];
  const app = createApp({
    config: h.config,
    subscribers: { ...h.store, get: () => Promise.reject(error) } as unknown as typeof h.store,
    keyring: h.keyring,
    mailer: h.mailer,
    clock: h.clock,
    confirmationEmail: h.confirmationEmail,
    onError: (e) => seen.push(e),
  });
  return { app, h, seen };
}

describe('the error handler', () => {
  it.each([
    ['a conflict', new ConcurrentUpdateError('changed meanwhile'), 409, 'conflict', false],
    ['an unavailable service', new StoreUnavailableError('table throttled'), 503, 'unavailable', true],
    ['an internal failure', new Error('table gone'), 500, 'internal', true],
  ])(
    'answers %s with the status of its kind, logging only our own faults',
    async (_l, error, status, code, logged) => {
      const { app, h, seen } = failingApp(error);
      const path = pathOf(h, links(h, 'e@example.com', 'dc').preferencesUrl);
      const response = await app.request(path, { headers: { accept: 'application/json' } });
      expect(response.status).toBe(status);
      const body = (await response.json()) as { error: string; message: string };
      expect(body.error).toBe(code);
      // The words come from the kind, never from the error's own message.
      expect(body.message).not.toContain(error.message);
      expect(seen).toHaveLength(logged ? 1 : 0);
    },
  );

  it('answers a link for an address with no subscription with one 404 page, from GET and POST alike', async () => {
    const { app, h } = setup();
    const path = pathOf(h, links(h, 'gone@example.com', 'dc').preferencesUrl);
    const shown = await app.request(path);
    const saved = await app.request(path, { method: 'POST', headers: FORM_HEADERS, body: 'editions=sg' });
    for (const response of [shown, saved]) {
      expect(response.status).toBe(404);
      expect(await response.text()).toContain('We hold no subscription for this address');
    }
    const json = await app.request(path, { headers: { accept: 'application/json' } });
    expect(await json.json()).toMatchObject({ error: 'not_found' });
  });

  it('shows the message of invalid input to the client who sent it, with the field', async () => {
    const { app } = setup();
    const response = await postJson(app, '/subscribe', { email: 'nope', editions: ['dc'] });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request', field: 'email' });
  });
});
