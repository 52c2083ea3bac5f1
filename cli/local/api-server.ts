import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { TemplateConfirmationEmail } from '../../lambdas/adapters/confirmation-email.js';
import { DynamoIssueStore } from '../../lambdas/adapters/dynamo-issue-store.js';
import { DynamoSubscriberStore } from '../../lambdas/adapters/dynamo-subscriber-store.js';
import { BackgroundTasks, createApp } from '../../lambdas/adapters/http/app.js';
import { issueArchive } from '../../lambdas/adapters/http/issue-archive.js';
import { systemClock } from '../../lambdas/core/ports.js';
import { parseKeyring } from '../../lambdas/core/tokens.js';
import type { LocalStack } from './stack.js';

export interface ApiServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the readers' API (the same Hono app the API Lambda runs) on loopback, wired to the
 * local stack: subscribers and issues in the DynamoDB stand-in, confirmations through the SES
 * stand-in and the outbox, tokens signed with `$TIDINGS_HOME/secret`.
 */
export async function startApiServer(stack: LocalStack, port: number): Promise<ApiServer> {
  const keyring = parseKeyring(await readFile(stack.secretPath, 'utf8'));
  const tasks = new BackgroundTasks((error) => console.error(`api: ${(error as Error).message ?? error}`));
  const app = createApp({
    config: stack.config,
    subscribers: new DynamoSubscriberStore(stack.doc, stack.tables.subscribers),
    issues: issueArchive(new DynamoIssueStore(stack.doc, stack.tables.issues), stack.config),
    keyring,
    mailer: stack.mailer,
    clock: systemClock,
    confirmationEmail: new TemplateConfirmationEmail(stack.config),
    tasks,
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => resolve(s));
    s.once('error', (error) =>
      reject(new Error(`cannot serve the API on 127.0.0.1:${port}: ${error.message}`, { cause: error })),
    );
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
