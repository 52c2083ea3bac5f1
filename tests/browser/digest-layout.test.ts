import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TemplateConfirmationEmail } from '../../lambdas/adapters/confirmation-email.js';
import { DigestRenderer } from '../../lambdas/adapters/digest-renderer.js';
import { publicHtml, publicLinks } from '../../lambdas/core/digest.js';
import { browserSkipReason, type LaunchedBrowser, launchBrowser } from '../support/browser.js';
import { digestBrief, digestInput, recipient, twelveBriefs } from '../support/digest-fixture.js';

const skip = browserSkipReason();
if (skip) console.warn(skip);

interface Overflow {
  scrollWidth: number;
  clientWidth: number;
  offenders: string[];
}

/**
 * Measures layout in the page: the document's scroll width, every element's right edge, every
 * run of text's right edge (a long word can overflow a box whose own edge stays put), and any
 * element whose content is wider than its box (overflow that is merely hidden counts too).
 */
function measure(): Overflow {
  const limit = 375.5;
  const root = document.documentElement;
  const offenders: string[] = [];
  const name = (el: Element): string =>
    `${el.tagName.toLowerCase()}${el.className ? `.${el.className}` : ''}`;
  for (const el of document.body.querySelectorAll('*')) {
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 && rect.height === 0) continue;
    if (rect.right > limit) offenders.push(`${name(el)} right=${rect.right.toFixed(1)}`);
    if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) {
      offenders.push(`${name(el)} content ${el.scrollWidth}px in a ${el.clientWidth}px box`);
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent?.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rect = range.getBoundingClientRect();
    if (rect.width > 0 && rect.right > limit) {
      offenders.push(`text "${node.textContent.trim().slice(0, 30)}" right=${rect.right.toFixed(1)}`);
    }
  }
  return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, offenders };
}

describe.skipIf(Boolean(skip))('digest layout in Chromium', () => {
  let browser: LaunchedBrowser;
  let renderer: DigestRenderer;
  beforeAll(async () => {
    [browser, renderer] = await Promise.all([launchBrowser(), DigestRenderer.create()]);
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function layoutAt(html: string, width: number): Promise<Overflow> {
    const page = await browser.newPage({ width, height: 800 });
    try {
      await page.setContent(html, { waitUntil: 'load' });
      return await page.evaluate(measure);
    } finally {
      await page.close();
    }
  }

  it('keeps the twelve-brief issue within a 375 px phone viewport', async () => {
    const input = digestInput(twelveBriefs());
    const digest = await renderer.renderFor(input, recipient('ana@example.com', 'Ana'));
    const result = await layoutAt(digest.html, 375);
    expect(result.scrollWidth).toBeLessThanOrEqual(result.clientWidth);
    expect(result.offenders).toEqual([]);
  });

  it('wraps unbreakable words, long links and a long name instead of widening the page', async () => {
    const long = 'Unbreakable'.repeat(10);
    const brief = digestBrief({
      id: 'long-words',
      headline: `A headline with ${long} in it`,
      topic: 'security',
      editions: ['dc'],
      publishedAt: '2026-11-30T01:00:00Z',
      updatedAt: '2026-11-30T02:00:00Z',
      url: `https://tidings.example/${'path/'.repeat(30)}`,
      news: [`News ${long} and https://example.com/${'x'.repeat(120)}`],
      signals: [{ headline: long, body: long, sources: [{ name: long, url: 'https://s.example/' }] }],
    });
    const reader = recipient(`${'a'.repeat(60)}@example.com`, 'N'.repeat(70));
    const input = digestInput([brief]);
    const digest = await renderer.renderFor(input, reader);
    for (const html of [
      digest.html,
      publicHtml(await renderer.render(input), publicLinks(input.config, input.edition)),
    ]) {
      const result = await layoutAt(html, 375);
      expect(result.scrollWidth).toBeLessThanOrEqual(result.clientWidth);
      expect(result.offenders).toEqual([]);
    }
  });

  it('keeps the confirmation email, with a long link, within 375 px', async () => {
    const input = digestInput();
    const html = new TemplateConfirmationEmail(input.config).content({
      to: `${'a'.repeat(60)}@example.com`,
      name: 'N'.repeat(70),
      editions: input.config.editions,
      confirmUrl: `http://127.0.0.1:3000/confirm?token=${'t'.repeat(200)}`,
      expiresAt: new Date('2026-12-07T10:00:00Z'),
    }).html;
    const result = await layoutAt(html, 375);
    expect(result.scrollWidth).toBeLessThanOrEqual(result.clientWidth);
    expect(result.offenders).toEqual([]);
  });

  it('notices overflow that is merely hidden (the check itself can fail)', async () => {
    const html = `<body style="margin:0"><div style="overflow:hidden;width:375px"><p>${'x'.repeat(300)}</p></div></body>`;
    const result = await layoutAt(html, 375);
    expect(result.offenders.length).toBeGreaterThan(0);
  });

  it('switches to the dark palette in dark mode and keeps the light one otherwise', async () => {
    const digest = await renderer.render(digestInput(twelveBriefs()));
    const colours = async (
      scheme: 'light' | 'dark',
    ): Promise<{ page: string; text: string; lead: string }> => {
      const page = await browser.newPage({ width: 1024, height: 800 });
      try {
        await page.emulateMedia({ colorScheme: scheme });
        await page.setContent(digest.html, { waitUntil: 'load' });
        return await page.evaluate(() => {
          const style = (selector: string) => getComputedStyle(document.querySelector(selector) as Element);
          return {
            page: style('body').backgroundColor,
            text: style('.hl').color,
            lead: style('.lc').backgroundColor,
          };
        });
      } finally {
        await page.close();
      }
    };
    expect(await colours('light')).toEqual({
      page: 'rgb(251, 248, 241)',
      text: 'rgb(29, 29, 27)',
      lead: 'rgb(255, 255, 255)',
    });
    expect(await colours('dark')).toEqual({
      page: 'rgb(20, 20, 19)',
      text: 'rgb(236, 235, 230)',
      lead: 'rgb(31, 31, 29)',
    });
  });

  it('centres a 600 px column on a desktop viewport', async () => {
    const digest = await renderer.render(digestInput(twelveBriefs()));
    const page = await browser.newPage({ width: 1024, height: 800 });
    try {
      await page.setContent(digest.html, { waitUntil: 'load' });
      const box = await page.locator('h2').first().boundingBox();
      expect(box).not.toBeNull();
      expect(box?.x ?? 0).toBeGreaterThan(200);
      expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThan(824);
    } finally {
      await page.close();
    }
  });
});
