import { describe, expect, it } from 'vitest';
import { BackgroundTasks, createApp, MAX_BODY_BYTES } from '../../../lambdas/adapters/http/app.js';
import type { IssueArchive } from '../../../lambdas/adapters/http/issue-archive.js';
import { addSubscriber } from '../../../lambdas/core/subscriptions.js';
import { type Keyring, readerLinks, signToken } from '../../../lambdas/core/tokens.js';
import { harness, smallConfig, testKeyring } from '../../support/subscriptions-harness.js';

type H = ReturnType<typeof harness>;

function setup(options: { keyring?: Keyring; rateLimitPerMinute?: number; issues?: IssueArchive } = {}) {
  const h = harness(
    smallConfig({ rateLimitPerMinute: options.rateLimitPerMinute ?? 0 }),
    options.keyring ?? testKeyring(),
  );
  const tasks = new BackgroundTasks((error) => {
    throw error;
  });
  const app = createApp({
    config: h.config,
    subscribers: h.store,
    keyring: h.keyring,
    mailer: h.mailer,
    clock: h.clock,
    confirmationEmail: h.confirmationEmail,
    tasks,
    clientAddress: (c) => c.req.header('x-test-client') ?? '192.0.2.10',
    ...(options.issues ? { issues: options.issues } : {}),
  });
  return { h, app, tasks };
}

function snapshot(h: H): string {
  return JSON.stringify({
    profiles: [...h.store.profiles],
    suppressions: [...h.store.suppressions],
    sent: h.mailer.sent.length,
  });
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const FORM_HEADERS = { 'content-type': 'application/x-www-form-urlencoded' };

function postJson(
  app: ReturnType<typeof setup>['app'],
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return app.request(path, {
    method: 'POST',
    headers: { ...JSON_HEADERS, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function tokenFrom(url: string): string {
  return new URL(url).searchParams.get('token') ?? '';
}

function links(h: H, email: string, edition: string) {
  return readerLinks(h.keyring, { baseUrl: h.config.baseUrl, mailDomain: 'tidings.example', email, edition });
}

function headersWithoutDate(response: Response): Record<string, string> {
  const out = Object.fromEntries(response.headers);
  delete out.date;
  return out;
}

describe('GET /health', () => {
  it('answers ok', async () => {
    const { app } = setup();
    const response = await app.request('/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });
});

describe('security headers', () => {
  it('forbid scripts and framing, keep tokens out of referrers and stop sniffing on every page', async () => {
    const { app } = setup();
    for (const path of ['/', '/confirm?token=x', '/nowhere', '/health']) {
      const response = await app.request(path);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toContain('script-src');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });
});

describe('GET /', () => {
  it('serves an accessible subscribe form with the configured editions and a honeypot, no script', async () => {
    const { app } = setup();
    const response = await app.request('/?edition=sg');
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('name="viewport"');
    expect(html.match(/<h1[\s>]/g)).toHaveLength(1);
    expect(html).toContain('<form method="post" action="/subscribe"');
    expect(html).toContain('<label for="email">');
    for (const name of ['D.C.', 'BXL', 'SG']) expect(html).toContain(name);
    expect(html).toMatch(/id="edition-sg"[^>]*checked/);
    expect(html).toContain('name="website"');
    expect(html).not.toContain('<script');
  });

  it('serves the stylesheet the pages link to', async () => {
    const { app } = setup();
    const response = await app.request('/assets/pages.css');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/css');
  });
});

describe('POST /subscribe', () => {
  it('accepts JSON with 202 pending and mails a confirmation off the response path', async () => {
    const { app, h, tasks } = setup();
    const response = await postJson(app, '/subscribe', {
      email: 'new@example.com',
      editions: ['dc'],
      name: 'Ada',
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ status: 'pending' });
    await tasks.drain();
    expect(await h.store.get('new@example.com')).toMatchObject({ status: 'pending', name: 'Ada' });
    expect(h.confirmLinks('new@example.com')).toHaveLength(1);
  });

  it('accepts the form and answers with a page', async () => {
    const { app, h, tasks } = setup();
    const response = await app.request('/subscribe', {
      method: 'POST',
      headers: FORM_HEADERS,
      body: 'email=form%40example.com&editions=dc&editions=sg&name=&website=',
    });
    expect(response.status).toBe(202);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain('Check your inbox');
    await tasks.drain();
    expect((await h.store.get('form@example.com'))?.editions).toEqual(['dc', 'sg']);
  });

  it('answers known, unknown, active and suppressed addresses identically', async () => {
    const { app, h, tasks } = setup();
    await addSubscriber(h, { email: 'active@example.com', editions: ['dc'] });
    await addSubscriber(h, { email: 'bounced@example.com', editions: ['dc'] });
    const bounced = await h.store.get('bounced@example.com');
    if (!bounced) throw new Error('missing');
    await h.store.save({ ...bounced, status: 'bounced' });
    await postJson(app, '/subscribe', { email: 'pending@example.com', editions: ['dc'] });
    await tasks.drain();
    const answers = [];
    for (const email of [
      'unknown@example.com',
      'active@example.com',
      'bounced@example.com',
      'pending@example.com',
    ]) {
      const response = await postJson(app, '/subscribe', { email, editions: ['dc'] });
      answers.push({
        status: response.status,
        body: await response.text(),
        headers: headersWithoutDate(response),
      });
    }
    for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);
    await tasks.drain();
    expect(h.confirmLinks('bounced@example.com')).toHaveLength(0);
    expect(await h.store.get('active@example.com')).toMatchObject({ status: 'active', editions: ['dc'] });
  });

  it('gives a filled honeypot the same answer and stores nothing', async () => {
    const { app, h, tasks } = setup();
    const response = await postJson(app, '/subscribe', {
      email: 'bot@example.com',
      editions: ['dc'],
      website: 'http://spam.example',
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ status: 'pending' });
    await tasks.drain();
    expect(h.store.profiles.size).toBe(0);
    expect(h.mailer.sent).toHaveLength(0);
  });

  it.each([
    ['an invalid address', { email: 'nope', editions: ['dc'] }, 'email'],
    ['an unknown edition', { email: 'a@example.com', editions: ['mars'] }, 'editions'],
    ['no edition', { email: 'a@example.com', editions: [] }, 'editions'],
    [
      'a header injection in the name',
      { email: 'a@example.com', editions: ['dc'], name: 'Eve\r\nBcc: all@example.com' },
      'name',
    ],
    ['a fullwidth at sign', { email: 'eve＠example.com', editions: ['dc'] }, 'email'],
    ['a homoglyph domain', { email: 'eve@exаmple.com', editions: ['dc'] }, 'email'],
    ['a right-to-left override', { email: 'eve\u202e@example.com', editions: ['dc'] }, 'email'],
    ['an address with a NUL', { email: 'eve\u0000@example.com', editions: ['dc'] }, 'email'],
  ])('rejects %s with 400 and a message, storing nothing', async (_label, body, field) => {
    const { app, h, tasks } = setup();
    const response = await postJson(app, '/subscribe', body);
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { error: string; field: string; message: string };
    expect(answer).toMatchObject({ error: 'invalid_request', field });
    expect(answer.message.length).toBeGreaterThan(5);
    await tasks.drain();
    expect(h.store.profiles.size).toBe(0);
  });

  it.each([
    ['invalid JSON', '{"email":'],
    ['a JSON array', '[{"email":"a@example.com","editions":["dc"]}]'],
    ['JSON null', 'null'],
    ['a JSON string', '"a@example.com"'],
    ['a __proto__ key', '{"email":"a@example.com","editions":["dc"],"__proto__":{"admin":true}}'],
    ['a constructor key', '{"email":"a@example.com","editions":["dc"],"constructor":{"prototype":{"x":1}}}'],
    ['an unknown field', '{"email":"a@example.com","editions":["dc"],"status":"active"}'],
    ['editions as a string', '{"email":"a@example.com","editions":"dc"}'],
    ['an email as a number', '{"email":42,"editions":["dc"]}'],
    ['editions holding objects', '{"email":"a@example.com","editions":[{"toString":"dc"}]}'],
    ['deep nesting', `{"email":"a@example.com","editions":${'['.repeat(2000)}${']'.repeat(2000)}}`],
  ])('rejects hostile JSON (%s) with 400 and no side effects', async (_label, body) => {
    const { app, h, tasks } = setup();
    const response = await postJson(app, '/subscribe', body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    await tasks.drain();
    expect(h.store.profiles.size).toBe(0);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

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

  it.each([
    ['text/plain', 'email=a@example.com&editions=dc'],
    [
      'multipart/form-data; boundary=x',
      '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\na@example.com\r\n--x--',
    ],
    ['application/xml', '<subscribe/>'],
    ['', 'email=a@example.com'],
  ])('rejects the content type "%s" with 400', async (type, body) => {
    const { app, h } = setup();
    const response = await app.request('/subscribe', {
      method: 'POST',
      headers: type ? { 'content-type': type } : {},
      body,
    });
    expect(response.status).toBe(400);
    expect(h.store.profiles.size).toBe(0);
  });

  it('ignores prototype-looking form fields', async () => {
    const { app, h, tasks } = setup();
    const response = await app.request('/subscribe', {
      method: 'POST',
      headers: FORM_HEADERS,
      body: '__proto__%5Badmin%5D=1&constructor%5Bprototype%5D%5Bx%5D=1&email=proto%40example.com&editions=dc',
    });
    expect(response.status).toBe(202);
    await tasks.drain();
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(await h.store.get('proto@example.com')).toMatchObject({ status: 'pending', editions: ['dc'] });
  });

  it('answers a bad form with the form again, the error shown and the input escaped', async () => {
    const { app } = setup();
    const response = await app.request('/subscribe', {
      method: 'POST',
      headers: FORM_HEADERS,
      body: `email=${encodeURIComponent('"><script>alert(1)</script>')}&editions=dc`,
    });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('role="alert"');
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;');
  });

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

describe('preferences', () => {
  it('GET shows the editions read and changes nothing; POST saves a new choice; leave all unsubscribes', async () => {
    const { app, h } = setup();
    await addSubscriber(h, { email: 'p@example.com', editions: ['dc'] });
    const path = links(h, 'p@example.com', 'dc').preferencesUrl.replace(h.config.baseUrl, '');
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
    const { app, h } = setup();
    await addSubscriber(h, { email: 'p@example.com', editions: ['dc'] });
    const path = links(h, 'p@example.com', 'dc').preferencesUrl.replace(h.config.baseUrl, '');
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
});

describe('issue archive', () => {
  const archive: IssueArchive = {
    async listSent(edition) {
      return edition === 'dc'
        ? [{ issueId: 'dc-2026-11-30', edition: 'dc', localDate: '2026-11-30', subject: 'Budget <talks>' }]
        : [];
    },
    async get(issueId) {
      return issueId === 'dc-2026-11-30'
        ? {
            issueId,
            edition: 'dc',
            localDate: '2026-11-30',
            subject: 'Budget',
            html: '<html><body style="color:red">Issue</body></html>',
          }
        : undefined;
    },
  };

  it('lists sent issues of an edition, escaping their subjects', async () => {
    const { app } = setup({ issues: archive });
    const response = await app.request('/issues?edition=dc');
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('href="/issues/dc-2026-11-30"');
    expect(html).toContain('Budget &lt;talks&gt;');
    expect((await app.request('/issues?edition=atlantis')).status).toBe(404);
  });

  it('serves the web version with inline styles allowed but no scripts, and 404 for anything else', async () => {
    const { app } = setup({ issues: archive });
    const response = await app.request('/issues/dc-2026-11-30');
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("style-src 'unsafe-inline'");
    expect(csp).not.toContain('script');
    expect((await app.request('/issues/dc-1999-01-01')).status).toBe(404);
    expect((await app.request('/issues/..%2F..%2Fetc%2Fpasswd')).status).toBe(404);
  });
});

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
