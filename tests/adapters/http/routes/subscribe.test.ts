import { describe, expect, it } from 'vitest';
import { addSubscriber } from '../../../../lambdas/core/subscriptions/index.js';
import { FORM_HEADERS, postJson, setup } from '../support/app.js';

function headersWithoutDate(response: Response): Record<string, string> {
  const out = Object.fromEntries(response.headers);
  delete out.date;
  return out;
}

describe('GET /', () => {
  it('serves an accessible subscribe form with the configured editions, a rhythm choice, a honeypot and only the time-zone script', async () => {
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
    expect(html).toMatch(/<input type="hidden" name="timeZone" id="time-zone" value=""/);
    expect(html).toMatch(/id="rhythm-daily"[^>]*checked/);
    for (const rhythm of ['weekdays', 'weekly'])
      expect(html).not.toMatch(new RegExp(`id="rhythm-${rhythm}"[^>]*checked`));
    expect(html).toContain('on Saturdays');
    expect(html.match(/<script\b[^>]*>/g)).toEqual([
      expect.stringMatching(/^<script src="\/assets\/time-zone\.js\?v=\w+" defer>$/),
    ]);
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
});
