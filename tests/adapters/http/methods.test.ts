import { describe, expect, it } from 'vitest';
import { allowedMethods } from '../../../lambdas/adapters/http/methods.js';
import { addSubscriber } from '../../../lambdas/core/subscriptions/index.js';
import { FORM_HEADERS, links, pathOf, setup, snapshot } from './support/app.js';

/** Each route path, a method it does not answer, and the `Allow` header it must send. */
const ROUTES: [path: string, wrong: string[], allow: string][] = [
  ['/health', ['POST', 'DELETE'], 'GET, HEAD'],
  ['/assets/pages.css', ['POST', 'PUT'], 'GET, HEAD'],
  ['/', ['POST', 'DELETE'], 'GET, HEAD'],
  ['/subscribe', ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], 'POST'],
  ['/confirm?token=x', ['PUT', 'DELETE'], 'GET, HEAD, POST'],
  ['/unsubscribe?token=x', ['PUT', 'PATCH', 'DELETE'], 'GET, HEAD, POST'],
  ['/preferences?token=x', ['PUT', 'DELETE'], 'GET, HEAD, POST'],
  ['/issues?edition=dc', ['POST', 'DELETE'], 'GET, HEAD'],
  ['/issues/dc-2026-11-30', ['POST', 'PUT'], 'GET, HEAD'],
];

describe('a method a route does not answer', () => {
  it.each(ROUTES)('%s answers %j with 405 and Allow: %s', async (path, wrong, allow) => {
    const { app, h } = setup();
    const before = snapshot(h);
    for (const method of wrong) {
      const response = await app.request(path, {
        method,
        headers: FORM_HEADERS,
        body: method === 'GET' ? null : 'x=1',
      });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow'), method).toBe(allow);
      // Still one of our pages, with the same security headers as every other answer.
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(await response.text()).toContain(allow);
    }
    expect(snapshot(h)).toBe(before);
  });

  it('is told so in JSON when the client asks for JSON', async () => {
    const { app } = setup();
    const response = await app.request('/subscribe', { headers: { accept: 'application/json' } });
    expect(response.status).toBe(405);
    expect(await response.json()).toMatchObject({ error: 'method_not_allowed' });
  });

  it('changes nothing, even with a valid token', async () => {
    const { app, h } = setup();
    await addSubscriber(h, { email: 'm@example.com', editions: ['dc'] });
    const before = snapshot(h);
    const response = await app.request(pathOf(h, links(h, 'm@example.com', 'dc').unsubscribeUrl), {
      method: 'DELETE',
    });
    expect(response.status).toBe(405);
    expect(snapshot(h)).toBe(before);
  });

  it('lists OPTIONS for /subscribe when cross-origin forms are allowed, and answers their preflight', async () => {
    const { app } = setup({ corsOrigins: ['https://www.example.org'] });
    const wrong = await app.request('/subscribe', { method: 'PUT' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST, OPTIONS');
    const preflight = await app.request('/subscribe', {
      method: 'OPTIONS',
      headers: { origin: 'https://www.example.org', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
  });
});

describe('the methods a route answers', () => {
  it('still answer, HEAD included wherever GET is', async () => {
    const { app } = setup();
    for (const path of ['/', '/health', '/assets/pages.css', '/issues?edition=dc']) {
      expect((await app.request(path, { method: 'HEAD' })).status, path).toBe(200);
    }
    expect((await app.request('/confirm?token=x', { method: 'POST' })).status).toBe(400);
  });

  it('are read from the app, one entry per route path', () => {
    const { app } = setup();
    const allowed = allowedMethods(app);
    expect(allowed.get('/subscribe')).toEqual(['POST']);
    expect(allowed.get('/confirm')).toEqual(['GET', 'HEAD', 'POST']);
    expect(allowed.has('*')).toBe(false);
  });
});

describe('an unknown path', () => {
  it('stays 404 whatever the method', async () => {
    const { app } = setup();
    for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
      const response = await app.request('/nowhere', { method });
      expect(response.status, method).toBe(404);
      expect(response.headers.get('allow')).toBeNull();
    }
  });
});
