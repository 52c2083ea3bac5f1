import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfigFile } from '../../cli/config-file.js';
import { type LocalStack, startLocalStack } from '../../cli/local/stack.js';
import type { TidingsConfig } from '../../lambdas/core/config.js';

export interface SesStoreEmail {
  messageId: string;
  from: string;
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { text?: string; html?: string };
  at: number;
}

export interface TestStack extends LocalStack {
  /** Everything the SES stand-in has received (its store is shared by the whole process). */
  inbox(): Promise<SesStoreEmail[]>;
  /** Empties the SES stand-in's store. */
  clearInbox(): Promise<void>;
}

/** The project's configuration from cdk.json, for tests that want the real editions. */
export function testConfig(): Promise<TidingsConfig> {
  return readConfigFile({}, process.cwd());
}

/**
 * A local stack on ephemeral ports with DynamoDB in memory and a temporary `$TIDINGS_HOME`,
 * removed again by `close()`.
 */
export async function startTestStack(options: { config?: TidingsConfig } = {}): Promise<TestStack> {
  const home = await mkdtemp(join(tmpdir(), 'tidings-test-'));
  const config = options.config ?? (await testConfig());
  const stack = await startLocalStack({ home, config, ports: { dynamodb: 0, ses: 0 }, inMemory: true });
  return {
    ...stack,
    async inbox() {
      const response = await fetch(`${stack.sesUrl}/store`);
      return ((await response.json()) as { emails: SesStoreEmail[] }).emails;
    },
    async clearInbox() {
      await fetch(`${stack.sesUrl}/clear-store`, { method: 'POST' });
    },
    async close() {
      await stack.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}
