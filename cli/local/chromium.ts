import { chromium } from 'playwright-core';

/** Debian's Chromium; override with `TIDINGS_CHROMIUM`. */
export const CHROMIUM_PATH = process.env.TIDINGS_CHROMIUM ?? '/usr/bin/chromium';

/** Flags that keep headless Chromium from stalling on a closed network or as root (as in CI). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches Debian's Chromium headless through playwright-core with the given fresh profile
 * directory (playwright takes it as the persistent context's directory, not as a flag).
 */
export function launchChromium(profile: string): ReturnType<typeof chromium.launchPersistentContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS],
  });
}
