import { describe, expect, it } from 'vitest';
import { addSubscriber } from '../../../../lambdas/core/subscriptions/index.js';
import { FORM_HEADERS, postJson, setup, snapshot } from '../support/app.js';

describe('POST /subscribe with a time zone and a rhythm', () => {
  it('keeps the zone and rhythm a JSON client sends on the new reader', async () => {
    const { app, h, tasks } = setup();
    const response = await postJson(app, '/subscribe', {
      email: 'zone@example.com',
      editions: ['dc'],
      timeZone: 'Asia/Kolkata',
      rhythm: 'weekly',
    });
    expect(response.status).toBe(202);
    await tasks.drain();
    expect(await h.store.get('zone@example.com')).toMatchObject({
      status: 'pending',
      timeZone: 'Asia/Kolkata',
      rhythm: 'weekly',
    });
  });

  it('keeps the form’s hidden zone and rhythm radio; an empty zone (no script) stores none', async () => {
    const { app, h, tasks } = setup();
    const post = (body: string) => app.request('/subscribe', { method: 'POST', headers: FORM_HEADERS, body });
    expect(
      (await post('email=a%40example.com&editions=sg&rhythm=weekdays&timeZone=Europe%2FParis')).status,
    ).toBe(202);
    expect((await post('email=b%40example.com&editions=sg&rhythm=daily&timeZone=')).status).toBe(202);
    await tasks.drain();
    expect(await h.store.get('a@example.com')).toMatchObject({
      timeZone: 'Europe/Paris',
      rhythm: 'weekdays',
    });
    const b = await h.store.get('b@example.com');
    expect(b?.timeZone).toBeUndefined();
    expect(b?.rhythm).toBe('daily');
  });

  it.each([
    ['Mars/Olympus', 'unknown timeZone "Mars/Olympus"'],
    ['+01:00', 'unknown timeZone "+01:00"'],
    ['CET', 'unknown timeZone "CET"'],
    ['x'.repeat(200), 'timeZone is at most 64 characters'],
  ])(
    'refuses the zone %j with 400 and a message naming the field, storing nothing',
    async (zone, message) => {
      const { app, h, tasks } = setup();
      const before = snapshot(h);
      const response = await postJson(app, '/subscribe', {
        email: 'z@example.com',
        editions: ['dc'],
        timeZone: zone,
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: string; message: string; field: string };
      expect(body.field).toBe('timeZone');
      expect(body.message.toLowerCase()).toContain(message.toLowerCase());
      await tasks.drain();
      expect(snapshot(h)).toBe(before);
    },
  );

  it('refuses an unknown rhythm on the form with the form again, the error shown, nothing stored', async () => {
    const { app, h, tasks } = setup();
    const before = snapshot(h);
    const response = await app.request('/subscribe', {
      method: 'POST',
      headers: FORM_HEADERS,
      body: 'email=r%40example.com&editions=dc&rhythm=hourly',
    });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('Unknown rhythm &#34;hourly&#34;: choose one of daily, weekdays, weekly');
    expect(html).toMatch(/id="rhythm-daily"[^>]*checked/);
    await tasks.drain();
    expect(snapshot(h)).toBe(before);
  });

  it('answers a bad zone alike for known and unknown addresses', async () => {
    const { app, h } = setup();
    await addSubscriber(h, { email: 'known@example.com', editions: ['dc'] });
    const answers = [];
    for (const email of ['known@example.com', 'stranger@example.com']) {
      const response = await postJson(app, '/subscribe', {
        email,
        editions: ['dc'],
        timeZone: 'Mars/Olympus',
      });
      answers.push({ status: response.status, body: await response.text() });
    }
    expect(answers[0]?.status).toBe(400);
    expect(answers[1]).toEqual(answers[0]);
  });

  it('does not let a post change the zone or rhythm of a reader already on record', async () => {
    const { app, h, tasks } = setup();
    await addSubscriber(h, { email: 'known@example.com', editions: ['dc'] });
    const response = await postJson(app, '/subscribe', {
      email: 'known@example.com',
      editions: ['dc'],
      timeZone: 'Pacific/Auckland',
      rhythm: 'weekly',
    });
    expect(response.status).toBe(202);
    await tasks.drain();
    const known = await h.store.get('known@example.com');
    expect(known?.timeZone).toBeUndefined();
    expect(known?.rhythm).toBeUndefined();
  });
});
