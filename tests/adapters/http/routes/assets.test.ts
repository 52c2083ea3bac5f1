import { describe, expect, it } from 'vitest';
import { setup } from '../support/app.js';

describe('GET /assets/pages.css', () => {
  it('serves the stylesheet the pages link to', async () => {
    const { app } = setup();
    const response = await app.request('/assets/pages.css');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/css');
  });
});

describe('GET /assets/time-zone.js', () => {
  it('serves the one script as JavaScript, cached for a year under the hash the pages link to', async () => {
    const { app } = setup();
    const page = await (await app.request('/')).text();
    const src = /<script src="([^"]+)"/.exec(page)?.[1] ?? '';
    expect(src).toMatch(/^\/assets\/time-zone\.js\?v=[0-9a-f]{12}$/);
    const response = await app.request(src);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const script = await response.text();
    expect(script).toContain('resolvedOptions().timeZone');
    expect(script).toContain('input[name="timeZone"]');
  });
});
