import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { type Env, MAX_BODY_BYTES } from '../../../lambdas/adapters/http/app.js';
import { limitBodies } from '../../../lambdas/adapters/http/middleware.js';
import { BodyTooLargeError } from '../../../lambdas/adapters/http/request-errors.js';
import { serveApp } from '../../../lambdas/adapters/http/serve.js';
import { JSON_HEADERS, postJson, setup } from './support/app.js';

describe('security headers', () => {
  it('allow only same-origin scripts, forbid framing, keep tokens out of referrers and stop sniffing on every page', async () => {
    const { app } = setup();
    // The policy before readers chose a zone, plus exactly one directive: script-src 'self'.
    const before = [
      "default-src 'none'",
      "style-src 'self'",
      "img-src 'self' data:",
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ];
    for (const path of ['/', '/confirm?token=x', '/nowhere', '/health']) {
      const response = await app.request(path);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp.split('; ').sort()).toEqual([...before, "script-src 'self'"].sort());
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });
});

describe('the body limit', () => {
  it('rejects a body over 16 KB with 413, by its declared length', async () => {
    const { app, h } = setup();
    const body = JSON.stringify({
      email: 'a@example.com',
      editions: ['dc'],
      name: 'x'.repeat(MAX_BODY_BYTES),
    });
    const response = await postJson(app, '/subscribe', body);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: 'payload_too_large' });
    expect(h.store.profiles.size).toBe(0);
  });

  it('stops reading a streamed body of unknown length once it passes 16 KB', async () => {
    const { app } = setup();
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 1000) controller.close();
        else controller.enqueue(new Uint8Array(1024).fill(0x61));
      },
    });
    const response = await app.request('/subscribe', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(pulled).toBeLessThan(100);
  });
});

describe('the body limit, served', () => {
  /** A request that counts how often its body stream is asked for. */
  class Watched extends Request {
    touched = 0;
    override get body(): Request['body'] {
      this.touched++;
      return super.body;
    }
  }
  const echo = (): Hono<Env> => {
    const app = new Hono<Env>();
    app.on(['POST'], '*', limitBodies());
    app.post('/echo', async (c) => {
      const touched = c.req.raw instanceof Watched ? c.req.raw.touched : -1;
      return c.json({ length: (await c.req.text()).length, touched });
    });
    app.onError((error, c) =>
      c.json({ error: String(error) }, error instanceof BodyTooLargeError ? 413 : 500),
    );
    return app;
  };

  it('checks a declared length without touching the body stream, so the text is read directly', async () => {
    const request = new Watched('http://x.test/echo', {
      method: 'POST',
      headers: { 'content-length': '5' },
      body: 'hello',
    });
    const response = await echo().fetch(request);
    expect(await response.json()).toEqual({ length: 5, touched: 0 });
  });

  it('over a socket: a declared length over 16 KB is refused, under it passes, an unknown one is counted', async () => {
    const api = await serveApp(echo());
    try {
      const post = (body: BodyInit, headers: Record<string, string> = {}): Promise<Response> =>
        fetch(`${api.url}/echo`, { method: 'POST', body, headers, duplex: 'half' } as RequestInit);
      expect((await post('x'.repeat(MAX_BODY_BYTES + 1))).status).toBe(413);
      const under = await post('x'.repeat(MAX_BODY_BYTES));
      expect(await under.json()).toMatchObject({ length: MAX_BODY_BYTES });
      const streamed = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 20; i++) controller.enqueue(new Uint8Array(1024).fill(0x61));
          controller.close();
        },
      });
      expect((await post(streamed)).status).toBe(413);
    } finally {
      await api.close();
    }
  });
});

describe('the per-client limit', () => {
  it('limits requests per client and minute with 429 and Retry-After', async () => {
    const { app, h } = setup({ rateLimitPerMinute: 3 });
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const response = await postJson(app, '/subscribe', { email: `r${i}@example.com`, editions: ['dc'] });
      statuses.push(response.status);
      if (response.status === 429) expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([202, 202, 202, 429, 429]);
    const other = await postJson(
      app,
      '/subscribe',
      { email: 'x@example.com', editions: ['dc'] },
      { 'x-test-client': '198.51.100.1' },
    );
    expect(other.status).toBe(202);
    h.clock.advance(60_000);
    expect((await postJson(app, '/subscribe', { email: 'y@example.com', editions: ['dc'] })).status).toBe(
      202,
    );
    expect((await app.request('/health')).status).toBe(200);
  });
});
