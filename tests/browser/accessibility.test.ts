import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DigestRenderer } from '../../lambdas/adapters/digest-renderer.js';
import type { IssueArchive } from '../../lambdas/adapters/http/issue-archive.js';
import { fillSlots, publicHtml, publicLinks, recipientSlotValues } from '../../lambdas/core/digest.js';
import { type App, type H, setup } from '../adapters/http/support/app.js';
import { browserSkipReason, type LaunchedBrowser, launchBrowser } from '../support/browser.js';
import { digestInput, recipient } from '../support/digest-fixture.js';
import { preferencesToken, unsubscribeToken } from '../support/subscriptions-harness.js';

const skip = browserSkipReason();
if (skip) console.warn(skip);

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const READER = 'axe-reader@example.com';

interface AxeViolation {
  id: string;
  help: string;
  nodes: { target: string[]; html: string }[];
}

/**
 * Rules that do not apply to an email: a mail client shows the message inside its own page, whose
 * landmarks hold it (MJML marks the message itself `role="article"`), so an email has no `main`
 * landmark of its own. The web version is the same document and is judged the same way.
 */
const NOT_FOR_EMAILS = { 'landmark-one-main': { enabled: false }, region: { enabled: false } };

/** axe-core's violations on the page (every rule, best practices included), one line each naming the rule and the offending elements. */
async function violations(page: Page, options: { email?: boolean } = {}): Promise<string[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  const rules = options.email ? NOT_FOR_EMAILS : {};
  const found = await page.evaluate(async (rules) => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<unknown> } })
      .axe;
    const result = (await axe.run(document, { resultTypes: ['violations'], rules })) as {
      violations: unknown[];
    };
    return result.violations;
  }, rules);
  return (found as AxeViolation[]).map(
    (v) =>
      `${v.id}: ${v.help} — ${v.nodes
        .slice(0, 3)
        .map((n) => `${n.target.join(' ')} ${n.html.slice(0, 100)}`)
        .join(' | ')}`,
  );
}

describe.skipIf(Boolean(skip))('accessibility (axe-core in Chromium): zero violations', () => {
  let browser: LaunchedBrowser;
  let app: App;
  let h: H;
  let origin: string;
  let digestHtml: string;
  let webHtml: string;

  beforeAll(async () => {
    const input = digestInput();
    const renderer = await DigestRenderer.create();
    const digest = await renderer.render(input);
    digestHtml = fillSlots(
      digest.html,
      recipientSlotValues(digest.publication ?? '', recipient('ana@example.com', 'Ana')),
      'html',
    );
    webHtml = publicHtml(digest, publicLinks(input.config, input.edition));
    const archive: IssueArchive = {
      async listSent(edition) {
        return edition === 'dc'
          ? [{ issueId: input.issueId, edition: 'dc', localDate: input.localDate, subject: digest.subject }]
          : [];
      },
      async get(issueId) {
        return issueId === input.issueId
          ? { issueId, edition: 'dc', localDate: input.localDate, subject: digest.subject, html: webHtml }
          : undefined;
      },
    };
    ({ app, h } = setup({ issues: archive }));
    origin = new URL(h.config.baseUrl).origin;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** A page whose requests to the configured origin are answered by the readers' app in process. */
  async function appPage(): Promise<Page> {
    const page = await browser.newPage({ width: 1024, height: 800 }, { allowNetwork: true });
    await page.route('**/*', async (route) => {
      const request = route.request();
      if (!request.url().startsWith(origin)) return route.abort();
      const body = request.postData();
      const response = await app.request(request.url().slice(origin.length), {
        method: request.method(),
        headers: await request.allHeaders(),
        ...(body === null ? {} : { body }),
      });
      // axe is injected as an inline script, which the pages' Content-Security-Policy rightly forbids.
      const headers = Object.fromEntries(response.headers);
      delete headers['content-security-policy'];
      return route.fulfill({
        status: response.status,
        headers,
        body: Buffer.from(await response.arrayBuffer()),
      });
    });
    return page;
  }

  async function emailPage(html: string, colorScheme: 'light' | 'dark'): Promise<string[]> {
    const page = await browser.newPage({ width: 1024, height: 800 });
    try {
      await page.emulateMedia({ colorScheme });
      await page.setContent(html, { waitUntil: 'load' });
      return await violations(page, { email: true });
    } finally {
      await page.close();
    }
  }

  it('the digest in light mode', async () => {
    expect(await emailPage(digestHtml, 'light')).toEqual([]);
  });

  it('the digest in dark mode', async () => {
    expect(await emailPage(digestHtml, 'dark')).toEqual([]);
  });

  it('every reader page, through sign-up, confirmation, preferences and leaving', async () => {
    const page = await appPage();
    const found: Record<string, string[]> = {};
    const check = async (name: string): Promise<void> => {
      found[name] = await violations(page);
    };
    try {
      await page.goto(`${origin}/`);
      await check('subscribe');
      await page.getByLabel('Email address').fill(READER);
      await page.getByLabel('D.C.').check();
      await page.getByRole('button', { name: 'Subscribe' }).click();
      await page.waitForLoadState('load');
      await check('check-inbox');
      await page.goto(`${origin}/confirm?token=${encodeURIComponent(h.confirmToken(READER))}`);
      await check('confirm');
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.waitForLoadState('load');
      await check('confirmed');
      await page.goto(`${origin}/preferences?token=${encodeURIComponent(preferencesToken(h, READER))}`);
      await check('preferences');
      await page.goto(`${origin}/unsubscribe?token=${encodeURIComponent(unsubscribeToken(h, READER, 'dc'))}`);
      await check('unsubscribe');
      await page.locator('main button[type="submit"]').first().click();
      await page.waitForLoadState('load');
      await check('unsubscribed');
      await page.goto(`${origin}/confirm?token=not-a-token`);
      await check('link-problem');
      await page.goto(`${origin}/no-such-page`);
      await check('error');
      const titles = Object.keys(found);
      expect(titles).toHaveLength(9);
      expect(found).toEqual(Object.fromEntries(titles.map((t) => [t, []])));
    } finally {
      await page.close();
    }
  }, 120_000);

  it('the archive and the web version of an issue', async () => {
    const page = await appPage();
    try {
      await page.goto(`${origin}/issues?edition=dc`);
      const archive = await violations(page);
      await page.goto(`${origin}/issues/dc-2026-11-30`);
      const web = await violations(page, { email: true });
      expect({ archive, web }).toEqual({ archive: [], web: [] });
    } finally {
      await page.close();
    }
  });

  it('fails on planted problems, naming the rule and the element', async () => {
    const planted = digestHtml.replace(
      '</body>',
      '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="10" height="10"><p style="color:#eeeeee;background:#ffffff">faint</p></body>',
    );
    const found = await emailPage(planted, 'light');
    expect(found.find((line) => line.startsWith('image-alt:'))).toContain('<img src="data:image/gif');
    expect(found.find((line) => line.startsWith('color-contrast:'))).toContain('faint');
  });
});
