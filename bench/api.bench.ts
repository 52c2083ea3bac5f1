/**
 * Reader API under load: `POST /subscribe` (JSON, a new address per request) against `GET /health`
 * on the same server, served on loopback by @hono/node-server over the embedded DynamoDB and SES
 * stand-ins, with the per-client limit off. Each subscription is answered only after its work is
 * done (the Lambda mode: stored, confirmation composed, sent to the SES stand-in, copied to the
 * outbox), so the figure is the full cost, not a queue filling up. The load generator (autocannon)
 * runs in the same process: both sides share the cores, for both routes alike.
 *
 * After the run it checks: zero errors and zero non-2xx answers, and every accepted address
 * stored exactly once and mailed exactly once.
 *
 *   npx tsx bench/api.bench.ts [--requests 600] [--connections 10]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { readConfigFile } from '../cli/config-file.js';
import { startLocalStack } from '../cli/local/stack.js';
import { TemplateConfirmationEmail } from '../lambdas/adapters/confirmation-email.js';
import { DynamoSubscriberStore, PROFILE_SK } from '../lambdas/adapters/dynamo-subscriber-store.js';
import { createApp, inlineTasks } from '../lambdas/adapters/http/app.js';
import { serveApp } from '../lambdas/adapters/http/serve.js';
import { loadKeyringFile } from '../lambdas/adapters/secret-keyring.js';
import { systemClock } from '../lambdas/core/ports.js';
import { type Figure, numericFlags, runIfMain } from './lib.js';

const COMMAND = 'npx tsx bench/api.bench.ts';
const require = createRequire(import.meta.url);

interface AutocannonResult {
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  duration: number;
  latency: { p50: number; p99: number; average: number };
  requests: { average: number; total: number; sent: number };
}

type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = require('autocannon') as Autocannon;

/** Requests per second over the whole run (autocannon's own average is per one-second sample). */
function rate(result: AutocannonResult): number {
  return result['2xx'] / Math.max(result.duration, 0.001);
}

export default async function apiBench(argv: string[]): Promise<Figure[]> {
  const { requests, connections } = numericFlags(argv, { requests: 600, connections: 10 });
  const home = await mkdtemp(join(tmpdir(), 'tidings-bench-api-'));
  const base = await readConfigFile({}, process.cwd());
  const config = { ...base, api: { ...base.api, rateLimitPerMinute: 0 } };
  const stack = await startLocalStack({ home, config, ports: { dynamodb: 0, ses: 0 }, inMemory: true });
  const failures: unknown[] = [];
  const store = new DynamoSubscriberStore(stack.doc, stack.tables.subscribers);
  const app = createApp({
    config,
    subscribers: store,
    keyring: await loadKeyringFile(stack.secretPath),
    mailer: stack.mailer,
    clock: systemClock,
    confirmationEmail: new TemplateConfirmationEmail(config),
    tasks: inlineTasks((error) => failures.push(error)),
    onError: (error) => failures.push(error),
  });
  const api = await serveApp(app);
  try {
    const run = (path: string, options: Record<string, unknown> = {}) =>
      autocannon({ connections, amount: requests, timeout: 30, ...options, url: `${api.url}${path}` });
    // Warm-up: JIT, connection pools, template cache.
    await run('/health', { amount: Math.min(200, requests) });

    const health = await run('/health');
    let n = 0;
    const subscribe = await run('/subscribe', {
      requests: [
        {
          method: 'POST',
          path: '/subscribe',
          headers: { 'content-type': 'application/json' },
          setupRequest: (request: Record<string, unknown>) => ({
            ...request,
            body: JSON.stringify({ email: `bench-${n++}@example.com`, editions: ['dc', 'sg'] }),
          }),
        },
      ],
    });

    // Checks: nothing failed, every accepted address stored once and mailed once.
    const problems: string[] = [];
    for (const [name, r] of [
      ['health', health],
      ['subscribe', subscribe],
    ] as const) {
      if (r.errors > 0 || r.timeouts > 0 || r.non2xx > 0) {
        problems.push(`${name}: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx`);
      }
    }
    if (failures.length > 0) problems.push(`${failures.length} subscriptions failed: ${String(failures[0])}`);
    const stored: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await stack.doc.send(
        new ScanCommand({
          TableName: stack.tables.subscribers,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        if (item.sk === PROFILE_SK && String(item.email).startsWith('bench-'))
          stored.push(String(item.email));
      }
      start = page.LastEvaluatedKey;
    } while (start);
    const accepted = subscribe['2xx'];
    if (stored.length !== accepted || new Set(stored).size !== stored.length) {
      problems.push(
        `accepted ${accepted} subscriptions but stored ${stored.length} (${new Set(stored).size} distinct)`,
      );
    }
    const inbox = (await (await fetch(`${stack.sesUrl}/store`)).json()) as {
      emails: { destination: { to: string[] } }[];
    };
    const mailed = inbox.emails.map((e) => e.destination.to.join(','));
    if (mailed.length !== accepted || new Set(mailed).size !== mailed.length) {
      problems.push(
        `accepted ${accepted} subscriptions but sent ${mailed.length} confirmations (${new Set(mailed).size} distinct)`,
      );
    }
    if (problems.length > 0) throw new Error(`api benchmark checks failed: ${problems.join('; ')}`);

    const subscribeRate = rate(subscribe);
    const healthRate = rate(health);
    const notes = `${accepted} subscriptions, ${connections} connections, loopback, limit off; each stored once and mailed once; zero errors`;
    return [
      {
        name: 'api',
        value: subscribeRate,
        unit: 'req/s',
        baseline: healthRate,
        baselineName: 'GET /health',
        ratio: subscribeRate / healthRate,
        higherIsBetter: true,
        command: `${COMMAND} --requests ${requests} --connections ${connections}`,
        notes,
      },
      {
        name: 'api-p99',
        value: subscribe.latency.p99,
        unit: 'ms',
        baseline: health.latency.p99,
        baselineName: 'GET /health p99',
        ratio: subscribe.latency.p99 / Math.max(health.latency.p99, 0.001),
        higherIsBetter: false,
        command: `${COMMAND} --requests ${requests} --connections ${connections}`,
        notes: `POST /subscribe p99 latency; p50 ${subscribe.latency.p50} ms vs ${health.latency.p50} ms`,
      },
    ];
  } finally {
    await api.close();
    await stack.close();
    await rm(home, { recursive: true, force: true });
  }
}

await runIfMain(import.meta.url, apiBench);
