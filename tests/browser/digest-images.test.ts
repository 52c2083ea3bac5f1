import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, SAMPLE_IMAGES_PATH, startApiServer } from '../../cli/local/api-server.js';
import { runPass } from '../../cli/local/pipeline.js';
import { currentIssueId } from '../../lambdas/core/edition.js';
import { browserSkipReason, type LaunchedBrowser, launchBrowser } from '../support/browser.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const skip = browserSkipReason();
if (skip) console.warn(skip);

const NOW = new Date('2026-11-30T12:00:00.000Z');
/** The sample briefs point at the local API's usual address; the test's API runs on a free port. */
const SAMPLE_ORIGIN = 'http://127.0.0.1:3000';

interface ImageState {
  src: string;
  loaded: boolean;
}

/** Every `<img>` of the page: whether it finished loading with real pixels. */
function imageStates(): ImageState[] {
  return [...document.images].map((img) => ({
    src: img.getAttribute('src') ?? '',
    loaded: img.complete && img.naturalWidth > 0,
  }));
}

describe.skipIf(Boolean(skip))('images of a locally sent digest', () => {
  let stack: TestStack;
  let api: ApiServer;
  let browser: LaunchedBrowser;
  let sentHtml: string;

  beforeAll(async () => {
    stack = await startTestStack();
    [api, browser] = await Promise.all([startApiServer(stack, 0), launchBrowser()]);
    await runPass(stack, { now: NOW, force: true, seedSamples: true, editions: ['dc'] });
    const edition = stack.config.editions.find((e) => e.id === 'dc');
    if (!edition) throw new Error('no dc edition');
    const folder = join(stack.home, 'outbox', currentIssueId(edition, NOW));
    const [file] = await readdir(folder);
    sentHtml = (await simpleParser(await readFile(join(folder, file ?? '')))).html || '';
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await stack?.close();
  });

  /** Opens html with the sample origin answered by the test's API and every other request refused. */
  async function openWithSampleServer(html: string): Promise<Page> {
    const page = await browser.newPage({ width: 1024, height: 800 }, { allowNetwork: true });
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${SAMPLE_ORIGIN}${SAMPLE_IMAGES_PATH}`)) {
        return route.continue({ url: url.replace(SAMPLE_ORIGIN, api.url) });
      }
      return url.startsWith('data:') || url.startsWith('about:') ? route.continue() : route.abort();
    });
    await page.setContent(html, { waitUntil: 'load' });
    return page;
  }

  it('loads every image of the sent D.C. digest from the local API', async () => {
    const page = await openWithSampleServer(sentHtml);
    try {
      const images = await page.evaluate(imageStates);
      expect(images.length).toBeGreaterThanOrEqual(2);
      expect(images.filter((img) => img.src.includes(SAMPLE_IMAGES_PATH)).length).toBe(images.length);
      expect(images.filter((img) => !img.loaded).map((img) => img.src)).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('names an image that does not load (the check itself can fail)', async () => {
    const missing = `${SAMPLE_ORIGIN}${SAMPLE_IMAGES_PATH}no-such-picture.jpg`;
    const page = await openWithSampleServer(
      sentHtml.replace('</body>', `<img src="${missing}" alt="x"></body>`),
    );
    try {
      const images = await page.evaluate(imageStates);
      expect(images.filter((img) => !img.loaded).map((img) => img.src)).toEqual([missing]);
    } finally {
      await page.close();
    }
  });
});
