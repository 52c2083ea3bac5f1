import { describe, expect, it } from 'vitest';
import { BackgroundTasks, createApp } from '../../../../lambdas/adapters/http/app.js';
import { addSubscriber } from '../../../../lambdas/core/subscriptions/index.js';
import { type Keyring, signToken } from '../../../../lambdas/core/tokens.js';
import { testKeyring } from '../../../support/subscriptions-harness.js';
import { FORM_HEADERS, type H, links, pathOf, setup, snapshot, tokenFrom } from '../support/app.js';

const ONE_CLICK = 'List-Unsubscribe=One-Click';
/** A mailbox provider's outgoing address: one client for many readers. */
const PROVIDER = { ...FORM_HEADERS, 'x-test-client': '198.51.100.25' };

async function readers(h: H, count: number): Promise<string[]> {
  const emails = Array.from({ length: count }, (_, i) => `reader${i}@example.com`);
  for (const email of emails) await addSubscriber(h, { email, editions: ['dc', 'sg'] });
  return emails;
}

describe('RFC 8058 one-click unsubscribe and the per-client limit', () => {
  it('honours every one-click POST with a valid token from one client, however many', async () => {
    const { app, h } = setup({ rateLimitPerMinute: 3 });
    const emails = await readers(h, 10);
    for (const email of emails) {
      const response = await app.request(pathOf(h, links(h, email, 'dc').unsubscribeUrl), {
        method: 'POST',
        headers: PROVIDER,
        body: ONE_CLICK,
      });
      expect(response.status, email).toBe(200);
      expect((await h.store.get(email))?.editions).toEqual(['sg']);
    }
  });

  it('does not count them against the client, whose other requests keep their full limit', async () => {
    const { app, h } = setup({ rateLimitPerMinute: 2 });
    for (const email of await readers(h, 5)) {
      await app.request(pathOf(h, links(h, email, 'dc').unsubscribeUrl), {
        method: 'POST',
        headers: PROVIDER,
        body: ONE_CLICK,
      });
    }
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await app.request('/', { headers: PROVIDER })).status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('counts one-click POSTs with a bad token, refuses them over the limit and changes nothing', async () => {
    const { app, h } = setup({ rateLimitPerMinute: 2 });
    const [email = ''] = await readers(h, 1);
    const before = snapshot(h);
    const forged = signToken(testKeyring(), { purpose: 'unsubscribe', email, edition: 'dc' });
    const statuses = [];
    for (const token of ['garbage', forged, forged, 'garbage']) {
      const response = await app.request(`/unsubscribe?token=${encodeURIComponent(token)}`, {
        method: 'POST',
        headers: PROVIDER,
        body: ONE_CLICK,
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([400, 403, 429, 429]);
    expect(snapshot(h)).toBe(before);
    // A valid one-click from the same client still goes through.
    const valid = await app.request(pathOf(h, links(h, email, 'dc').unsubscribeUrl), {
      method: 'POST',
      headers: PROVIDER,
      body: ONE_CLICK,
    });
    expect(valid.status).toBe(200);
  });

  it('counts a valid token that is not a one-click POST like any request', async () => {
    const { app, h } = setup({ rateLimitPerMinute: 1 });
    const [email = ''] = await readers(h, 1);
    const path = pathOf(h, links(h, email, 'dc').unsubscribeUrl);
    expect((await app.request(path, { headers: PROVIDER })).status).toBe(200);
    expect((await app.request(path, { headers: PROVIDER })).status).toBe(429);
  });

  it('still reads a one-click body over the body limit as too large, before anything else', async () => {
    const { app, h } = setup({ rateLimitPerMinute: 1 });
    const [email = ''] = await readers(h, 1);
    const before = snapshot(h);
    const response = await app.request(pathOf(h, links(h, email, 'dc').unsubscribeUrl), {
      method: 'POST',
      headers: PROVIDER,
      body: `${ONE_CLICK}&pad=${'x'.repeat(20_000)}`,
    });
    expect(response.status).toBe(413);
    expect(snapshot(h)).toBe(before);
  });
});

describe('unsubscribe', () => {
  async function active(keyring?: Keyring) {
    const s = setup(keyring ? { keyring } : {});
    await addSubscriber(s.h, { email: 'u@example.com', editions: ['dc', 'sg'] });
    return s;
  }

  it('GET shows one button and changes nothing', async () => {
    const { app, h } = await active();
    const before = snapshot(h);
    const response = await app.request(
      links(h, 'u@example.com', 'dc').unsubscribeUrl.replace(h.config.baseUrl, ''),
    );
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html.match(/<button/g)).toHaveLength(1);
    expect(html).toContain('Tidings D.C.');
    expect(snapshot(h)).toBe(before);
  });

  it('honours an RFC 8058 one-click POST for the edition the token names only, idempotently', async () => {
    const { app, h } = await active();
    const path = links(h, 'u@example.com', 'dc').unsubscribeUrl.replace(h.config.baseUrl, '');
    const post = () =>
      app.request(path, { method: 'POST', headers: FORM_HEADERS, body: 'List-Unsubscribe=One-Click' });
    expect((await post()).status).toBe(200);
    expect(await h.store.get('u@example.com')).toMatchObject({ status: 'active', editions: ['sg'] });
    expect((await post()).status).toBe(200);
    expect(await h.store.get('u@example.com')).toMatchObject({ status: 'active', editions: ['sg'] });
    const sg = links(h, 'u@example.com', 'sg').unsubscribeUrl.replace(h.config.baseUrl, '');
    const last = await app.request(sg, { method: 'POST' });
    expect(await last.text()).toContain("You're unsubscribed");
    expect(await h.store.get('u@example.com')).toMatchObject({ status: 'unsubscribed', editions: [] });
  });

  it('refuses forged, malformed and wrong-purpose tokens without changing anything', async () => {
    const { app, h } = await active();
    const good = tokenFrom(links(h, 'u@example.com', 'dc').unsubscribeUrl);
    const [kid, , mac] = good.split('.');
    const otherAddress = Buffer.from(
      JSON.stringify({ p: 'unsubscribe', e: 'u@example.com', d: 'sg' }),
    ).toString('base64url');
    const before = snapshot(h);
    const cases: [string, number][] = [
      [`${kid}.${otherAddress}.${mac}`, 403],
      [signToken(testKeyring(), { purpose: 'unsubscribe', email: 'u@example.com', edition: 'dc' }), 403],
      [signToken(h.keyring, { purpose: 'preferences', email: 'u@example.com', edition: 'dc' }), 403],
      ['garbage', 400],
      ['', 400],
    ];
    for (const [token, status] of cases) {
      const response = await app.request(`/unsubscribe?token=${encodeURIComponent(token)}`, {
        method: 'POST',
        headers: FORM_HEADERS,
        body: 'List-Unsubscribe=One-Click',
      });
      expect(response.status).toBe(status);
    }
    expect(snapshot(h)).toBe(before);
  });

  it('still honours links signed with a key that has since been rotated out of active use', async () => {
    const old = testKeyring(['k1']);
    const { h } = await active(old);
    const oldLink = links(h, 'u@example.com', 'dc').unsubscribeUrl;
    const rotated = testKeyring(['k2']);
    const keyring: Keyring = { active: rotated.active, keys: [...old.keys, rotated.active] };
    const app = createApp({
      config: h.config,
      subscribers: h.store,
      keyring,
      mailer: h.mailer,
      clock: h.clock,
      confirmationEmail: h.confirmationEmail,
      tasks: new BackgroundTasks(),
    });
    const response = await app.request(oldLink.replace(h.config.baseUrl, ''), {
      method: 'POST',
      body: 'List-Unsubscribe=One-Click',
      headers: FORM_HEADERS,
    });
    expect(response.status).toBe(200);
    expect((await h.store.get('u@example.com'))?.editions).toEqual(['sg']);
  });
});
