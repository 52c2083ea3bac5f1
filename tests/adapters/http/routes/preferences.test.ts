import { describe, expect, it } from 'vitest';
import { signToken } from '../../../../lambdas/core/tokens.js';
import { testKeyring } from '../../../support/subscriptions-harness.js';
import { FORM_HEADERS, JSON_HEADERS, readerWithPreferencesLink, snapshot } from '../support/app.js';

const reader = (): ReturnType<typeof readerWithPreferencesLink> => readerWithPreferencesLink(['dc']);

describe('preferences', () => {
  it('GET shows the editions read and changes nothing; POST saves a new choice; leave all unsubscribes', async () => {
    const { app, h, path } = await reader();
    const before = snapshot(h);
    const page = await app.request(path);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/id="edition-dc"[^>]*checked/);
    expect(snapshot(h)).toBe(before);
    const saved = await app.request(path, {
      method: 'POST',
      headers: FORM_HEADERS,
      body: 'editions=bxl&editions=sg&action=save',
    });
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain('Saved.');
    expect((await h.store.get('p@example.com'))?.editions).toEqual(['bxl', 'sg']);
    const left = await app.request(path, {
      method: 'POST',
      headers: FORM_HEADERS,
      body: 'editions=sg&action=leave',
    });
    expect(left.status).toBe(200);
    expect(await h.store.get('p@example.com')).toMatchObject({ status: 'unsubscribed', editions: [] });
  });

  it('rejects unknown editions with 400 and forged tokens with 403, changing nothing', async () => {
    const { app, h, path } = await reader();
    const before = snapshot(h);
    expect(
      (await app.request(path, { method: 'POST', headers: FORM_HEADERS, body: 'editions=pluto' })).status,
    ).toBe(400);
    const forged = signToken(testKeyring(), { purpose: 'preferences', email: 'p@example.com' });
    expect(
      (
        await app.request(`/preferences?token=${forged}`, {
          method: 'POST',
          headers: FORM_HEADERS,
          body: 'editions=sg',
        })
      ).status,
    ).toBe(403);
    expect(snapshot(h)).toBe(before);
  });

  it('offers a reader who left a new confirmation email instead of bringing them back', async () => {
    const { app, h, path } = await reader();
    await app.request(path, { method: 'POST', headers: FORM_HEADERS, body: 'action=leave' });
    expect(await h.store.get('p@example.com')).toMatchObject({ status: 'unsubscribed' });
    const before = snapshot(h);

    const page = await app.request(path);
    expect(page.status).toBe(200);
    const offer = await page.text();
    expect(offer).toContain('action="/subscribe"');
    expect(offer).toContain('value="p@example.com"');
    expect(offer).toMatch(/id="edition-dc"[^>]*checked/);
    expect(offer).not.toContain('Save my choices');

    const posted = await app.request(path, {
      method: 'POST',
      headers: FORM_HEADERS,
      body: 'editions=dc&editions=sg&action=save',
    });
    expect(posted.status).toBe(409);
    const html = await posted.text();
    expect(html).toContain('action="/subscribe"');
    expect(html).toMatch(/id="edition-sg"[^>]*checked/);
    const json = await app.request(path, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: '{"editions":["dc"]}',
    });
    expect(json.status).toBe(409);
    expect(await json.json()).toMatchObject({ error: 'confirmation_required' });
    expect(snapshot(h)).toBe(before);
  });
});
