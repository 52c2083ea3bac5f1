import { describe, expect, it } from 'vitest';
import { signToken } from '../../../../lambdas/core/tokens.js';
import { testKeyring } from '../../../support/subscriptions-harness.js';
import { FORM_HEADERS, type H, links, pathOf, postJson, setup, snapshot, tokenFrom } from '../support/app.js';

describe('confirmation', () => {
  async function pending(email = 'c@example.com') {
    const s = setup();
    await postJson(s.app, '/subscribe', { email, editions: ['dc', 'sg'] });
    await s.tasks.drain();
    return { ...s, token: s.h.confirmToken(email) };
  }

  it('GET shows one Confirm button and changes nothing', async () => {
    const { app, h, token } = await pending();
    const before = snapshot(h);
    const response = await app.request(`/confirm?token=${token}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html.match(/<button/g)).toHaveLength(1);
    expect(html).toContain('Confirm</button>');
    expect(html).toContain('Tidings D.C. and Tidings SG');
    expect(html).toContain(`action="/confirm?token=${token}"`);
    expect(snapshot(h)).toBe(before);
  });

  it('POST activates and answers the same when pressed twice', async () => {
    const { app, h, token } = await pending();
    const first = await app.request(`/confirm?token=${token}`, { method: 'POST' });
    expect(first.status).toBe(200);
    expect(await first.text()).toContain("You're subscribed");
    const stored = snapshot(h);
    const second = await app.request(`/confirm?token=${token}`, { method: 'POST' });
    expect(second.status).toBe(200);
    expect(snapshot(h)).toBe(stored);
    expect(await h.store.get('c@example.com')).toMatchObject({ status: 'active', editions: ['dc', 'sg'] });
  });

  it('answers an expired link with 400 and a form to send a new one, changing nothing', async () => {
    const { app, h, token } = await pending();
    h.clock.advance(8 * 86_400_000);
    const before = snapshot(h);
    const response = await app.request(`/confirm?token=${token}`, { method: 'POST' });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('expired');
    expect(html).toContain('action="/subscribe"');
    expect(html).toContain('value="c@example.com"');
    expect(html).toMatch(/id="edition-dc"[^>]*checked/);
    expect(html).toMatch(/id="edition-sg"[^>]*checked/);
    expect(html).not.toMatch(/id="edition-bxl"[^>]*checked/);
    expect(snapshot(h)).toBe(before);
  });

  it.each([
    ['forged', (t: string) => `${t.slice(0, -3)}abc`],
    ['malformed', () => 'not-a-token'],
    ['missing', () => ''],
    ['for another purpose', (_t: string, h: H) => tokenFrom(links(h, 'c@example.com', 'dc').unsubscribeUrl)],
    [
      'from an unknown key',
      () => signToken(testKeyring(['zz']), { purpose: 'confirm', email: 'c@example.com', editions: ['dc'] }),
    ],
  ])('answers a %s token with a 400 page offering a new link, changing nothing', async (_label, make) => {
    const { app, h, token } = await pending();
    const before = snapshot(h);
    for (const method of ['GET', 'POST']) {
      const response = await app.request(`/confirm?token=${encodeURIComponent(make(token, h))}`, { method });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('action="/subscribe"');
    }
    expect(snapshot(h)).toBe(before);
  });

  it('answers an old link of a reader who unsubscribed since with 400 and the offer of a new one', async () => {
    const { app, h, token } = await pending();
    await app.request(`/confirm?token=${token}`, { method: 'POST' });
    h.clock.advance(60_000);
    for (const edition of ['dc', 'sg']) {
      await app.request(pathOf(h, links(h, 'c@example.com', edition).unsubscribeUrl), {
        method: 'POST',
        headers: FORM_HEADERS,
        body: 'List-Unsubscribe=One-Click',
      });
    }
    expect(await h.store.get('c@example.com')).toMatchObject({ status: 'unsubscribed' });
    const before = snapshot(h);
    const shown = await app.request(`/confirm?token=${token}`);
    expect(shown.status).toBe(400);
    const response = await app.request(`/confirm?token=${token}`, { method: 'POST' });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('unsubscribed after this link was sent');
    expect(html).toContain('action="/subscribe"');
    expect(html).toContain('value="c@example.com"');
    expect(html).toMatch(/id="edition-sg"[^>]*checked/);
    const json = await postJson(app, `/confirm?token=${token}`, {});
    expect(await json.json()).toMatchObject({ error: 'invalid_token', reason: 'left' });
    expect(snapshot(h)).toBe(before);
  });
});
