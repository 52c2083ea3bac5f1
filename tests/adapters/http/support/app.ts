import { BackgroundTasks, createApp } from '../../../../lambdas/adapters/http/app.js';
import type { IssueArchive } from '../../../../lambdas/adapters/http/issue-archive.js';
import type { TidingsConfig } from '../../../../lambdas/core/config.js';
import { addSubscriber } from '../../../../lambdas/core/subscriptions/index.js';
import { type Keyring, readerLinks } from '../../../../lambdas/core/tokens.js';
import { harness, smallConfig, testKeyring } from '../../../support/subscriptions-harness.js';

export type H = ReturnType<typeof harness>;
export type App = ReturnType<typeof createApp>;

export interface SetupOptions {
  keyring?: Keyring;
  rateLimitPerMinute?: number;
  corsOrigins?: string[];
  issues?: IssueArchive;
}

/**
 * The readers' app on in-memory parts: a subscriber store, a recording mailer, a manual clock.
 * Background tasks rethrow, so a failing task fails the test; `tasks.drain()` waits for them.
 * The client address comes from the `x-test-client` header (default 192.0.2.10).
 */
export function setup(options: SetupOptions = {}): { h: H; app: App; tasks: BackgroundTasks } {
  const api: Partial<TidingsConfig['api']> = { rateLimitPerMinute: options.rateLimitPerMinute ?? 0 };
  if (options.corsOrigins) api.corsOrigins = options.corsOrigins;
  const h = harness(smallConfig(api), options.keyring ?? testKeyring());
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

/** Everything the app could change: subscribers, suppressions, mail sent. */
export function snapshot(h: H): string {
  return JSON.stringify({
    profiles: [...h.store.profiles],
    suppressions: [...h.store.suppressions],
    sent: h.mailer.sent.length,
  });
}

export const JSON_HEADERS = { 'content-type': 'application/json' };
export const FORM_HEADERS = { 'content-type': 'application/x-www-form-urlencoded' };

export function postJson(
  app: App,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Response | Promise<Response> {
  return app.request(path, {
    method: 'POST',
    headers: { ...JSON_HEADERS, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export function tokenFrom(url: string): string {
  return new URL(url).searchParams.get('token') ?? '';
}

/** A reader's links for an edition, as mailed. */
export function links(h: H, email: string, edition: string): ReturnType<typeof readerLinks> {
  return readerLinks(h.keyring, { baseUrl: h.config.baseUrl, mailDomain: 'tidings.example', email, edition });
}

/** The path and query of a mailed link, for `app.request`. */
export function pathOf(h: H, url: string): string {
  return url.replace(h.config.baseUrl, '');
}

/** The app with one active reader of `editions`, and the path of their preferences link (from D.C.). */
export async function readerWithPreferencesLink(
  editions: string[],
  email = 'p@example.com',
): Promise<ReturnType<typeof setup> & { path: string }> {
  const s = setup();
  await addSubscriber(s.h, { email, editions });
  return { ...s, path: pathOf(s.h, links(s.h, email, 'dc').preferencesUrl) };
}
