import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH, launchChromium } from '../../cli/local/chromium.js';

export { CHROMIUM_ARGS, CHROMIUM_PATH };

/**
 * Why browser tests cannot run here, or undefined when they can. Under `CI=true` a missing
 * browser is never a reason to skip: callers get undefined and the launch fails loudly.
 */
export function browserSkipReason(): string | undefined {
  if (process.env.CI === 'true') return undefined;
  return existsSync(CHROMIUM_PATH)
    ? undefined
    : `Chromium not found at ${CHROMIUM_PATH} (apt-get install -y chromium); browser tests skipped`;
}

export interface LaunchedBrowser {
  context: BrowserContext;
  /** A new page with the given viewport; requests to the network are refused (tests run offline). */
  newPage(viewport: { width: number; height: number }, options?: { allowNetwork?: boolean }): Promise<Page>;
  /** Closes the browser and removes its fresh profile directory. */
  close(): Promise<void>;
}

/**
 * Launches Debian's Chromium (the flags of `tidings preview`) through playwright-core with a
 * fresh, throwaway profile.
 */
export async function launchBrowser(): Promise<LaunchedBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'tidings-chromium-'));
  try {
    const context = await launchChromium(profile);
    return {
      context,
      async newPage(viewport, options = {}) {
        const page = await context.newPage();
        await page.setViewportSize(viewport);
        if (!options.allowNetwork) {
          // Remote images would hang or fail on a closed network; only inline data is loaded.
          await page.route(/^(?!data:|about:)/, (route) => route.abort());
        }
        return page;
      },
      async close() {
        await context.close();
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
}
