import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TemplateConfirmationEmail } from '../../lambdas/adapters/confirmation-email.js';
import { DigestMessageBuilder } from '../../lambdas/adapters/digest-messages.js';
import { DynamoSubscriberStore } from '../../lambdas/adapters/dynamo-subscriber-store.js';
import { BackgroundTasks, createApp } from '../../lambdas/adapters/http/app.js';
import { type RunningApi, serveApp } from '../../lambdas/adapters/http/serve.js';
import { loadKeyringFile } from '../../lambdas/adapters/secret-keyring.js';
import type { TidingsConfig } from '../../lambdas/core/config.js';
import { SLOT_MARKERS } from '../../lambdas/core/digest.js';
import type { Issue } from '../../lambdas/core/issue.js';
import { systemClock } from '../../lambdas/core/ports.js';
import { addSubscriber } from '../../lambdas/core/subscriptions/index.js';
import { type Keyring, readerLinks } from '../../lambdas/core/tokens.js';
import { browserSkipReason, type LaunchedBrowser, launchBrowser } from '../support/browser.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const skip = browserSkipReason();
if (skip) console.warn(skip);

const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');
const READER = 'browser-reader@example.com';

/** A reader's whole path in a real browser against the API served on loopback, on the local stack. */
describe.skipIf(skip !== undefined)('subscribing in a browser', () => {
  let stack: TestStack;
  let api: RunningApi;
  let browser: LaunchedBrowser;
  let page: Page;
  let config: TidingsConfig;
  let keyring: Keyring;
  let store: DynamoSubscriberStore;
  const tasks = new BackgroundTasks();

  beforeAll(async () => {
    stack = await startTestStack();
    keyring = await loadKeyringFile(stack.secretPath);
    store = new DynamoSubscriberStore(stack.doc, stack.tables.subscribers);
    // The base URL must be the served one, known only once the server listens: delegate to the app.
    let app: ReturnType<typeof createApp> | undefined;
    api = await serveApp({
      fetch: (request, env) =>
        app ? app.fetch(request, env as Record<string, unknown>) : new Response('starting', { status: 503 }),
    });
    config = { ...stack.config, baseUrl: api.url, api: { ...stack.config.api, rateLimitPerMinute: 0 } };
    app = createApp({
      config,
      subscribers: store,
      keyring,
      mailer: stack.mailer,
      clock: systemClock,
      confirmationEmail: new TemplateConfirmationEmail(config),
      tasks,
    });
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await launchBrowser();
    page = await browser.newPage({ width: 390, height: 844 }, { allowNetwork: true });
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await stack?.close();
  });

  const shot = (name: string) =>
    page.screenshot({ path: join(SCREENSHOTS, `subscribe-${name}.png`), fullPage: true });
  const links = (edition: string) =>
    readerLinks(keyring, { baseUrl: api.url, mailDomain: config.sender.domain, email: READER, edition });

  it('fills the form without JavaScript and lands on "check your inbox"', async () => {
    await page.goto(`${api.url}/`);
    // The one script is the same-origin time-zone filler; the form needs none of it.
    expect(await page.locator('script').count()).toBe(1);
    expect(await page.locator('script[src^="/assets/time-zone.js?v="]').count()).toBe(1);
    expect(await page.locator('h1').count()).toBe(1);
    await shot('form');
    // Keyboard order: the email field comes before the editions and the button; the honeypot never gets focus.
    const focused: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      focused.push(
        await page.evaluate(
          () => document.activeElement?.getAttribute('name') ?? document.activeElement?.tagName ?? '',
        ),
      );
    }
    expect(focused).not.toContain('website');
    expect(focused.indexOf('email')).toBeLessThan(focused.indexOf('editions'));
    await page.getByLabel('Email address').fill(READER);
    await page.getByLabel('D.C.').check();
    await page.getByLabel('SG', { exact: false }).first().check();
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Check your inbox');
    await shot('check-inbox');
  });

  it('opens the confirmation link from the SES stand-in, which changes nothing until Confirm is pressed', async () => {
    await tasks.drain();
    const mail = (await stack.inbox()).find((m) => m.destination.to.some((to) => to.includes(READER)));
    const link = /https?:\/\/\S+\/confirm\?token=[A-Za-z0-9._-]+/.exec(mail?.body.text ?? '')?.[0];
    expect(link).toBeDefined();
    await page.goto(link ?? '');
    await shot('confirm');
    expect((await store.get(READER))?.status).toBe('pending');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe("You're subscribed");
    await shot('confirmed');
    expect(await store.get(READER)).toMatchObject({ status: 'active', editions: ['dc', 'sg'] });
  });

  it('changes editions on the preferences page', async () => {
    await page.goto(links('dc').preferencesUrl);
    await shot('preferences');
    await page.locator('#edition-sg').uncheck();
    await page.locator('#edition-bxl').check();
    await page.getByRole('button', { name: 'Save my choices' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Saved');
    await shot('preferences-saved');
    expect((await store.get(READER))?.editions).toEqual(['dc', 'bxl']);
  });

  it('unsubscribes from one edition with the button', async () => {
    await page.goto(links('dc').unsubscribeUrl);
    await shot('unsubscribe');
    expect((await store.get(READER))?.editions).toEqual(['dc', 'bxl']);
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe("You're unsubscribed");
    await shot('unsubscribed');
    expect(await store.get(READER)).toMatchObject({ status: 'active', editions: ['bxl'] });
  });

  it('shows a broken link and the archive as pages too', async () => {
    const response = await page.goto(`${api.url}/confirm?token=cut-short`);
    expect(response?.status()).toBe(400);
    expect(await page.getByRole('button', { name: 'Send a new link' }).count()).toBe(1);
    await shot('link-problem');
    await page.goto(`${api.url}/issues?edition=dc`);
    expect(await page.locator('h1').textContent()).toContain('archive');
    await shot('archive');
  });

  /** A fresh page in a time zone, with or without JavaScript (through the DevTools protocol). */
  const pageIn = async (
    viewport: { width: number; height: number },
    zone: string,
    script = true,
  ): Promise<Page> => {
    const fresh = await browser.newPage(viewport, { allowNetwork: true });
    const cdp = await fresh.context().newCDPSession(fresh);
    await cdp.send('Emulation.setTimezoneOverride', { timezoneId: zone });
    if (!script) await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
    return fresh;
  };

  it('sends the browser’s time zone from the hidden field, and the rhythm chosen', async () => {
    const kolkata = await pageIn({ width: 1280, height: 900 }, 'Asia/Kolkata');
    const blocked: string[] = [];
    kolkata.on('console', (m) => {
      if (/Content.Security.Policy/i.test(m.text())) blocked.push(m.text());
    });
    await kolkata.goto(`${api.url}/`);
    // Chromium names the zone Asia/Kolkata or, with older ICU data, Asia/Calcutta: both are kept as sent.
    const zone = await kolkata.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(['Asia/Kolkata', 'Asia/Calcutta']).toContain(zone);
    await expect.poll(() => kolkata.locator('#time-zone').inputValue()).toBe(zone);
    await kolkata.screenshot({ path: join(SCREENSHOTS, 'subscribe-choices-desktop.png'), fullPage: true });
    await kolkata.getByLabel('Email address').fill('kolkata@example.com');
    await kolkata.locator('#edition-sg').check();
    await kolkata.getByLabel(/Weekly roundup/).check();
    await kolkata.getByRole('button', { name: 'Subscribe' }).click();
    await expect.poll(() => kolkata.locator('h1').textContent()).toBe('Check your inbox');
    await tasks.drain();
    expect(await store.get('kolkata@example.com')).toMatchObject({
      status: 'pending',
      timeZone: zone,
      rhythm: 'weekly',
    });
    expect(blocked).toEqual([]);
    await kolkata.close();
  });

  it('works with JavaScript disabled: no zone is sent, each edition’s own applies', async () => {
    const noScript = await pageIn({ width: 390, height: 844 }, 'Asia/Tokyo', false);
    await noScript.goto(`${api.url}/`);
    expect(await noScript.locator('#time-zone').inputValue()).toBe('');
    await noScript.screenshot({
      path: join(SCREENSHOTS, 'subscribe-choices-phone-no-script.png'),
      fullPage: true,
    });
    await noScript.getByLabel('Email address').fill('noscript@example.com');
    await noScript.locator('#edition-dc').check();
    await noScript.getByRole('button', { name: 'Subscribe' }).click();
    await expect.poll(() => noScript.locator('h1').textContent()).toBe('Check your inbox');
    await tasks.drain();
    const stored = await store.get('noscript@example.com');
    expect(stored).toMatchObject({ status: 'pending', rhythm: 'daily' });
    expect(stored?.timeZone).toBeUndefined();
    await noScript.close();
  });

  it('changes the zone from the list and the rhythm on the preferences page, which says when editions arrive', async () => {
    const reader = 'prefs-zone@example.com';
    await addSubscriber(
      {
        config,
        store,
        keyring,
        clock: systemClock,
        mailer: stack.mailer,
        confirmationEmail: new TemplateConfirmationEmail(config),
      },
      { email: reader, editions: ['dc', 'sg'] },
    );
    const url = readerLinks(keyring, {
      baseUrl: api.url,
      mailDomain: config.sender.domain,
      email: reader,
      edition: 'dc',
    }).preferencesUrl;
    for (const [name, viewport] of [
      ['desktop', { width: 1280, height: 900 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      const prefs = await pageIn(viewport, 'Europe/Brussels');
      await prefs.goto(url);
      await prefs.getByLabel('Your time zone').selectOption('America/Chicago');
      await prefs.getByLabel(/Weekdays/).check();
      await prefs.getByRole('button', { name: 'Save my choices' }).click();
      await expect.poll(() => prefs.getByRole('status').textContent()).toContain('Saved');
      expect(await prefs.getByLabel('Your time zone').inputValue()).toBe('America/Chicago');
      expect(await prefs.locator('.deliveries li').allTextContents()).toEqual([
        expect.stringMatching(/^D\.C\.: Monday to Friday at 5:30 AM C[SD]T \(6:30 AM E[SD]T in D\.C\.\)$/),
        // Singapore's Monday to Friday mornings are Chicago's Sunday to Thursday evenings.
        expect.stringMatching(/^SG: Sunday to Thursday at [56]:30 PM C[SD]T \(7:30 AM SGT in SG\)$/),
      ]);
      await prefs.screenshot({ path: join(SCREENSHOTS, `preferences-choices-${name}.png`), fullPage: true });
      await prefs.close();
    }
    expect(await store.get(reader)).toMatchObject({ timeZone: 'America/Chicago', rhythm: 'weekdays' });
  });

  it("honours a mail client's one-click POST to the List-Unsubscribe URL of a digest", async () => {
    const issue: Issue = {
      id: 'bxl-2026-11-30',
      edition: 'bxl',
      localDate: '2026-11-30',
      state: 'sending',
      cutoff: '2026-11-30T06:00:00.000Z',
      briefIds: [],
      briefs: [],
      subject: 'Tidings BXL: a test issue',
      html: `<html><body><p>${SLOT_MARKERS.greeting}</p><p><a href="${SLOT_MARKERS.unsubscribeUrl}">${SLOT_MARKERS.unsubscribeLabel}</a></p></body></html>`,
      text: `${SLOT_MARKERS.greeting}\n\n${SLOT_MARKERS.unsubscribeLabel}: ${SLOT_MARKERS.unsubscribeUrl}\n`,
      counts: { enqueued: 1, fanouts: 1 },
      createdAt: '2026-11-30T06:00:00.000Z',
      updatedAt: '2026-11-30T06:00:00.000Z',
    };
    const message = await new DigestMessageBuilder(config, keyring).build(issue, { email: READER });
    const parsed = await simpleParser(Buffer.from(message.raw));
    const line = (key: string) => parsed.headerLines.find((l) => l.key === key)?.line ?? '';
    expect(line('list-unsubscribe-post')).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/);
    const header = line('list-unsubscribe');
    const url = /<(https?:\/\/[^>]+)>/.exec(header)?.[1];
    expect(url).toMatch(/\/unsubscribe\?token=/);
    const response = await fetch(url ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
      redirect: 'manual',
    });
    expect(response.status).toBe(200);
    expect(await store.get(READER)).toMatchObject({
      status: 'unsubscribed',
      editions: [],
      statusReason: 'one-click unsubscribe',
    });
  });
});
