/**
 * Reader API under load: `POST /subscribe` (JSON, a new address per request) against the calls it
 * must make, issued directly. Both run in this process, at the same concurrency, with the same SDK
 * clients, against the same embedded DynamoDB and SES stand-ins:
 *
 * - the API, served on loopback by @hono/node-server with the per-client limit off, its mailer the
 *   Lambda function's (SendRawEmail, no local outbox copy). Each subscription is answered only
 *   after its work is done (the Lambda mode: stored, confirmation composed and sent), so the
 *   figure is the full cost, not a queue filling up. The load generator (autocannon) shares the
 *   cores with the server;
 * - the baseline: for a new address, what subscribing one must cost at least: the profile and the
 *   suppression entry read together (consistent reads), the pending profile written under its
 *   condition, then one SendRawEmail of a confirmation-sized message.
 *
 * The requests each side makes are counted at the clients: the run fails if a subscription makes
 * other DynamoDB or SES requests than the baseline (then the baseline no longer measures "its own
 * work" and must follow). It also checks zero errors and zero non-2xx answers, and every accepted
 * address stored exactly once and mailed exactly once.
 *
 *   npx tsx bench/api.bench.ts [--requests 600] [--connections 10]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendRawEmailCommand } from '@aws-sdk/client-ses';
import { GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { readConfigFile } from '../cli/config-file.js';
import { type LocalStack, startLocalStack } from '../cli/local/stack.js';
import { TemplateConfirmationEmail } from '../lambdas/adapters/confirmation-email.js';
import {
  DynamoSubscriberStore,
  PROFILE_SK,
  profileKey,
  suppressionHash,
} from '../lambdas/adapters/dynamo-subscriber-store.js';
import { createApp, inlineTasks } from '../lambdas/adapters/http/app.js';
import { serveApp } from '../lambdas/adapters/http/serve.js';
import { loadKeyringFile } from '../lambdas/adapters/secret-keyring.js';
import { SesMailer } from '../lambdas/adapters/ses-mailer.js';
import { systemClock } from '../lambdas/core/ports.js';
import { type Figure, numericFlags, runIfMain, stats } from './lib.js';

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

/** Requests sent through the stack's DynamoDB document client and SES client, by command name. */
class RequestCount {
  readonly counts = new Map<string, number>();
  on = false;

  constructor(stack: LocalStack) {
    for (const client of [stack.doc, stack.ses] as { send: (...args: unknown[]) => unknown }[]) {
      const send = client.send.bind(client);
      client.send = (...args: unknown[]) => {
        if (this.on) {
          const name = (args[0] as object).constructor.name;
          this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
        }
        return send(...args);
      };
    }
  }

  /** Counts while `run` runs, as "GetCommand 2, PutCommand 1" per `per` operations. */
  async during<T>(per: number, run: () => Promise<T>): Promise<{ result: T; perOperation: string }> {
    this.counts.clear();
    this.on = true;
    try {
      const result = await run();
      const perOperation = [...this.counts]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, n]) => `${name.replace(/Command$/, '')} ${Number((n / per).toFixed(2))}`)
        .join(', ');
      return { result, perOperation };
    } finally {
      this.on = false;
    }
  }
}

interface DirectRun {
  completed: number;
  seconds: number;
  p50: number;
  p99: number;
}

/** Runs `amount` operations `connections` at a time, timing each one. */
async function runDirect(
  amount: number,
  connections: number,
  operation: (i: number) => Promise<unknown>,
): Promise<DirectRun> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < amount) {
      const i = next++;
      const t = performance.now();
      await operation(i);
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const seconds = (performance.now() - started) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  return { completed: latencies.length, seconds, p50: stats(sorted).median, p99: at(0.99) };
}

export default async function apiBench(argv: string[]): Promise<Figure[]> {
  const { requests, connections } = numericFlags(argv, { requests: 600, connections: 10 });
  const home = await mkdtemp(join(tmpdir(), 'tidings-bench-api-'));
  const base = await readConfigFile({}, process.cwd());
  const config = { ...base, api: { ...base.api, rateLimitPerMinute: 0 } };
  // No Send-event feedback applied in this process: it would add DynamoDB work to both sides.
  const stack = await startLocalStack({
    home,
    config,
    ports: { dynamodb: 0, ses: 0 },
    inMemory: true,
    sesEvents: async () => [],
  });
  const count = new RequestCount(stack);
  const failures: unknown[] = [];
  const store = new DynamoSubscriberStore(stack.doc, stack.tables.subscribers);
  const confirmationEmail = new TemplateConfirmationEmail(config);
  const app = createApp({
    config,
    subscribers: store,
    keyring: await loadKeyringFile(stack.secretPath),
    mailer: new SesMailer(stack.ses),
    clock: systemClock,
    confirmationEmail,
    tasks: inlineTasks((error) => failures.push(error)),
    onError: (error) => failures.push(error),
  });
  const api = await serveApp(app);

  // The baseline's message: a confirmation as the API composes it, sent as is to each address.
  const sample = await confirmationEmail.compose({
    to: 'sample@example.com',
    editions: config.editions.slice(0, 2),
    confirmUrl: `${config.baseUrl}/confirm?token=${'x'.repeat(180)}`,
    expiresAt: new Date(),
  });
  const table = stack.tables.subscribers;
  const direct = async (email: string): Promise<void> => {
    const now = new Date();
    await Promise.all([
      stack.doc.send(new GetCommand({ TableName: table, Key: profileKey(email), ConsistentRead: true })),
      stack.doc.send(
        new GetCommand({
          TableName: table,
          Key: { pk: `SUPPRESS#${suppressionHash(email)}`, sk: 'SUPPRESS' },
          ConsistentRead: true,
        }),
      ),
    ]);
    const at = now.toISOString();
    await stack.doc.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...profileKey(email),
          email,
          version: 1,
          status: 'pending',
          editions: ['dc', 'sg'],
          createdAt: at,
          updatedAt: at,
          consent: { method: 'form', givenAt: at, clientHash: 'x'.repeat(43) },
          lastConfirmationSentAt: at,
          expiresAtIso: at,
          expiresAt: Math.floor(now.getTime() / 1000) + 86_400,
        },
        ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
        ExpressionAttributeNames: { '#ttl': 'expiresAt' },
        ExpressionAttributeValues: { ':now': Math.floor(now.getTime() / 1000) },
      }),
    );
    await stack.ses.send(
      new SendRawEmailCommand({
        RawMessage: { Data: sample.raw },
        Source: sample.from,
        Destinations: [email],
      }),
    );
  };

  try {
    const subscribeOnce = (prefix: string, amount: number): Promise<AutocannonResult> => {
      let n = 0;
      return autocannon({
        connections,
        amount,
        timeout: 30,
        url: `${api.url}/subscribe`,
        requests: [
          {
            method: 'POST',
            path: '/subscribe',
            headers: { 'content-type': 'application/json' },
            setupRequest: (request: Record<string, unknown>) => ({
              ...request,
              body: JSON.stringify({ email: `${prefix}-${n++}@example.com`, editions: ['dc', 'sg'] }),
            }),
          },
        ],
      });
    };
    // Warm-up of both sides: JIT, connection pools, template cache.
    const warm = Math.min(200, requests);
    await runDirect(warm, connections, (i) => direct(`warm-direct-${i}@example.com`));
    await subscribeOnce('warm', warm);

    const baseline = await count.during(requests, () =>
      runDirect(requests, connections, (i) => direct(`direct-${i}@example.com`)),
    );
    const measured = await count.during(requests, () => subscribeOnce('bench', requests));
    const subscribe = measured.result;

    // Checks: the same requests on both sides, nothing failed, every accepted address stored once
    // and mailed once.
    const problems: string[] = [];
    if (measured.perOperation !== baseline.perOperation) {
      problems.push(
        `a subscription makes ${measured.perOperation} requests, the baseline ${baseline.perOperation}: make the baseline follow`,
      );
    }
    if (subscribe.errors > 0 || subscribe.timeouts > 0 || subscribe.non2xx > 0) {
      problems.push(
        `subscribe: ${subscribe.errors} errors, ${subscribe.timeouts} timeouts, ${subscribe.non2xx} non-2xx`,
      );
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
    const mailed = inbox.emails
      .map((e) => e.destination.to.join(','))
      .filter((to) => to.startsWith('bench-'));
    if (mailed.length !== accepted || new Set(mailed).size !== mailed.length) {
      problems.push(
        `accepted ${accepted} subscriptions but sent ${mailed.length} confirmations (${new Set(mailed).size} distinct)`,
      );
    }
    if (problems.length > 0) throw new Error(`api benchmark checks failed: ${problems.join('; ')}`);

    const subscribeRate = rate(subscribe);
    const directRate = baseline.result.completed / baseline.result.seconds;
    const command = `${COMMAND} --requests ${requests} --connections ${connections}`;
    const baselineName = 'its calls issued directly';
    const notes = `${accepted} subscriptions, ${connections} at a time, loopback, limit off; each stored once and mailed once; zero errors; requests per subscription and per baseline call: ${measured.perOperation}`;
    return [
      {
        name: 'api',
        value: subscribeRate,
        unit: 'req/s',
        baseline: directRate,
        baselineName,
        ratio: subscribeRate / directRate,
        higherIsBetter: true,
        command,
        notes,
      },
      {
        name: 'api-p99',
        value: subscribe.latency.p99,
        unit: 'ms',
        baseline: baseline.result.p99,
        baselineName: `${baselineName}, p99`,
        ratio: subscribe.latency.p99 / Math.max(baseline.result.p99, 0.001),
        higherIsBetter: false,
        command,
        notes: `POST /subscribe p99 latency; p50 ${subscribe.latency.p50} ms vs ${baseline.result.p50.toFixed(1)} ms`,
      },
    ];
  } finally {
    await api.close();
    await stack.close();
    await rm(home, { recursive: true, force: true });
  }
}

await runIfMain(import.meta.url, apiBench);
