import { describe, expect, it } from 'vitest';
import { FORM_HEADERS, postJson, readerWithPreferencesLink, snapshot } from '../support/app.js';

const reader = (): ReturnType<typeof readerWithPreferencesLink> => readerWithPreferencesLink(['dc', 'sg']);

describe('preferences: time zone and rhythm', () => {
  it('shows the zone list with none chosen, daily checked and the roundup day', async () => {
    const { app, path } = await reader();
    const html = await (await app.request(path)).text();
    expect(html).toMatch(/<select id="time-zone" name="timeZone"/);
    expect(html).toMatch(/<option value="" selected>Each edition’s own time zone<\/option>/);
    expect(html).toContain('<optgroup label="Europe">');
    expect(html).toContain('<option value="Europe/Brussels">Brussels</option>');
    expect(html).toMatch(/id="rhythm-daily"[^>]*checked/);
    expect(html).toContain('One email a week with the week’s top stories, on Saturdays');
    // Without a zone of their own, each edition comes at its send time in its zone.
    expect(html).toContain('D.C.: every day at 6:30 AM EST</li>');
  });

  it('saves a zone and rhythm from the form and then says when each edition arrives in that zone', async () => {
    const { app, h, path } = await reader();
    const saved = await app.request(path, {
      method: 'POST',
      headers: FORM_HEADERS,
      body: 'editions=dc&editions=sg&rhythm=weekdays&timeZone=Asia%2FKolkata&action=save',
    });
    expect(saved.status).toBe(200);
    const html = await saved.text();
    expect(await h.store.get('p@example.com')).toMatchObject({
      timeZone: 'Asia/Kolkata',
      rhythm: 'weekdays',
    });
    // Asia/Kolkata is listed even where the runtime calls it Asia/Calcutta, and it is selected.
    expect(html).toMatch(/<option value="Asia\/Kolkata" selected>Kolkata<\/option>/);
    expect(html).toMatch(/id="rhythm-weekdays"[^>]*checked/);
    // 06:30 in New York on 30 November is 17:00 in Kolkata; 07:30 in Singapore is 05:00.
    expect(html).toContain('D.C.: Monday to Friday at 5:00 PM IST (6:30 AM EST in D.C.)');
    expect(html).toContain('SG: Monday to Friday at 5:00 AM IST (7:30 AM SGT in SG)');
  });

  it('says an edition with readerLocalTime comes at its send time in the reader’s zone', async () => {
    const { app, h, path } = await reader();
    const sg = h.config.editions.find((e) => e.id === 'sg');
    if (!sg) throw new Error('no sg');
    sg.readerLocalTime = true;
    await postJson(app, path, { timeZone: 'America/Los_Angeles', rhythm: 'weekly' });
    const html = await (await app.request(path)).text();
    expect(html).toContain('SG: every Saturday at 7:30 AM PST</li>');
    expect(html).toContain('D.C.: every Saturday at 3:30 AM PST (6:30 AM EST in D.C.)');
  });

  it('changes only what a JSON client sends; null clears the zone', async () => {
    const { app, h, path } = await reader();
    const first = await postJson(app, path, { timeZone: 'Europe/Kyiv' });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({
      status: 'active',
      editions: ['dc', 'sg'],
      timeZone: 'Europe/Kyiv',
      rhythm: 'daily',
    });
    await postJson(app, path, { rhythm: 'weekly' });
    expect(await h.store.get('p@example.com')).toMatchObject({
      editions: ['dc', 'sg'],
      timeZone: 'Europe/Kyiv',
      rhythm: 'weekly',
    });
    await postJson(app, path, { timeZone: null });
    const cleared = await h.store.get('p@example.com');
    expect(cleared?.timeZone).toBeUndefined();
    expect(cleared?.rhythm).toBe('weekly');
  });

  it.each([
    [{ timeZone: 'Mars/Olympus' }, 'timeZone'],
    [{ timeZone: '+01:00' }, 'timeZone'],
    [{ timeZone: 'CET' }, 'timeZone'],
    [{ timeZone: 'z'.repeat(200) }, 'timeZone'],
    [{ rhythm: 'fortnightly' }, 'rhythm'],
  ])('refuses %j with 400 naming the field, changing nothing', async (body, field) => {
    const { app, h, path } = await reader();
    const before = snapshot(h);
    const response = await postJson(app, path, { editions: ['dc'], ...body });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { field: string }).field).toBe(field);
    expect(snapshot(h)).toBe(before);
  });

  it('answers a bad zone on the form with the page, the error shown, nothing changed', async () => {
    const { app, h, path } = await reader();
    const before = snapshot(h);
    const response = await app.request(path, {
      method: 'POST',
      headers: FORM_HEADERS,
      body: 'editions=dc&timeZone=Mars%2FOlympus&action=save',
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Unknown timeZone &#34;Mars/Olympus&#34;');
    expect(snapshot(h)).toBe(before);
  });
});
