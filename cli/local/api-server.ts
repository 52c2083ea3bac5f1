import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { TemplateConfirmationEmail } from '../../lambdas/adapters/confirmation-email.js';
import { DynamoIssueStore } from '../../lambdas/adapters/dynamo-issue-store.js';
import { DynamoLedgerStore } from '../../lambdas/adapters/dynamo-ledger-store.js';
import { DynamoSubscriberStore } from '../../lambdas/adapters/dynamo-subscriber-store.js';
import { BackgroundTasks, createApp } from '../../lambdas/adapters/http/app.js';
import { issueArchive } from '../../lambdas/adapters/http/issue-archive.js';
import { templateWelcome } from '../../lambdas/adapters/welcome-email.js';
import { systemClock } from '../../lambdas/core/ports.js';
import { parseKeyring } from '../../lambdas/core/tokens.js';
import { type LocalStack, LocalStackError } from './stack.js';

export interface ApiServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the readers' API (the same Hono app the API Lambda runs) on loopback, wired to the
 * local stack: subscribers and issues in the DynamoDB stand-in, confirmations and welcomes through
 * the SES stand-in and the outbox (welcomes ledgered like digests), tokens signed with `$TIDINGS_HOME/secret`.
 */
export async function startApiServer(stack: LocalStack, port: number): Promise<ApiServer> {
  const keyring = parseKeyring(await readFile(stack.secretPath, 'utf8'));
  const tasks = new BackgroundTasks((error) => console.error(`api: ${(error as Error).message ?? error}`));
  const issues = new DynamoIssueStore(stack.doc, stack.tables.issues);
  const subscribers = new DynamoSubscriberStore(stack.doc, stack.tables.subscribers);
  const app = createApp({
    config: stack.config,
    subscribers,
    issues: issueArchive(issues, stack.config),
    keyring,
    mailer: stack.mailer,
    clock: systemClock,
    confirmationEmail: new TemplateConfirmationEmail(stack.config),
    // The welcome goes through the outbox mailer too: `outbox/welcome/<recipient>.eml`.
    welcome: templateWelcome(
      {
        config: stack.config,
        subscribers,
        issues,
        ledger: new DynamoLedgerStore(stack.dynamo, stack.tables.ledger),
        mailer: stack.mailer,
        keyring,
        clock: systemClock,
      },
      // A welcome that did not go out is said on the console (its reason is in the ledger row).
      (event, detail) => {
        if (detail.outcome !== 'sent' && detail.outcome !== 'already-done')
          console.error(`api: ${event} ${JSON.stringify(detail)}`);
      },
    ),
    tasks,
  });
  // The sample briefs' pictures and wordmark, so a fresh `npm start` shows digests with images.
  const fetch = (request: Request): Response | Promise<Response> =>
    new URL(request.url).pathname.startsWith(SAMPLE_IMAGES_PATH) ? sampleImage(request) : app.fetch(request);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch, port, hostname: '127.0.0.1' }, () => resolve(s));
    s.once('error', (error: NodeJS.ErrnoException) => {
      const taken =
        error.code === 'EADDRINUSE'
          ? 'EADDRINUSE, the port is in use (another tidings dev, or another program): stop it or set TIDINGS_API_PORT to a free port'
          : error.message;
      reject(new LocalStackError(`cannot serve the API on 127.0.0.1:${port}: ${taken}`, { cause: error }));
    });
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    async close() {
      await tasks.drain();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Where the local API serves `samples/images/` (the sample briefs' image URLs point here). */
export const SAMPLE_IMAGES_PATH = '/samples/images/';

const SAMPLE_IMAGES_DIR = fileURLToPath(new URL('../../samples/images/', import.meta.url));
const IMAGE_TYPES: Readonly<Record<string, string>> = { jpg: 'image/jpeg', png: 'image/png' };

/** One file of `samples/images/` by its plain name (no path steps), or 404. */
export async function sampleImage(request: Request): Promise<Response> {
  const name = new URL(request.url).pathname.slice(SAMPLE_IMAGES_PATH.length);
  const match = /^[a-z0-9-]+\.(jpg|png)$/.exec(name);
  const type = match ? IMAGE_TYPES[match[1] ?? ''] : undefined;
  if (!match || !type || (request.method !== 'GET' && request.method !== 'HEAD')) {
    return new Response('not found\n', { status: 404, headers: { 'content-type': 'text/plain' } });
  }
  try {
    const body = await readFile(`${SAMPLE_IMAGES_DIR}${name}`);
    return new Response(request.method === 'HEAD' ? null : body, {
      headers: { 'content-type': type, 'cache-control': 'public, max-age=3600' },
    });
  } catch {
    return new Response('not found\n', { status: 404, headers: { 'content-type': 'text/plain' } });
  }
}
