/**
 * Delivery throughput: N subscribers of one edition through the production compose (fan-out) and
 * send cores on the local stack (dynalite + the SES stand-in, real SDK clients), against a plain
 * loop of SendRawEmail to the same stand-in at the same concurrency, in the same run.
 *
 *   npx tsx bench/delivery.bench.ts [--subscribers 10000] [--workers 8]   (a quicker run: --subscribers 2000)
 *
 * The SES rate is set far above what the stand-in can take, so the limiter never waits and the
 * figure is the pipeline's own cost per message: ledger claim and completion, the status
 * re-check, personalisation. Checks that every reader has a `sent` ledger row and that the
 * stand-in received exactly one message per reader.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendRawEmailCommand } from '@aws-sdk/client-ses';
import { loadConfig } from '../cli/load-config.js';
import { MemorySendQueue } from '../cli/local/memory-send-queue.js';
import { composeDeps, deliveryServices, sendDeps } from '../cli/local/pipeline.js';
import { startLocalStack } from '../cli/local/stack.js';
import { DynamoBriefStore } from '../lambdas/adapters/dynamo-brief-store.js';
import { SesMailer } from '../lambdas/adapters/ses-mailer.js';
import { composeIssue } from '../lambdas/core/compose.js';
import { RateLimiter, realPacer } from '../lambdas/core/rate-limiter.js';
import { sendBatch } from '../lambdas/core/send.js';
import type { Subscriber } from '../lambdas/core/subscriber.js';
import { type Figure, numericFlags, runIfMain } from './lib.js';

const require = createRequire(import.meta.url);
/** The stand-in's own store, read in-process (its HTTP listing would serialise every body). */
const sesStore = require('aws-ses-v2-local/dist/store') as {
  getStoreReadonly(): { emails: { destination: { to: string[] } }[] };
  clearStore(): void;
};

/** Far above the stand-in's capacity: the limiter is in the path but never the bottleneck. */
const MAX_SEND_RATE = 100_000;

export default async function delivery(argv: string[]): Promise<Figure[]> {
  const flags = numericFlags(argv, { subscribers: 10_000, workers: 8 });
  const count = Math.floor(flags.subscribers);
  const workers = Math.floor(flags.workers);
  const base = await loadConfig();
  const config = { ...base, ses: { ...base.ses, maxSendRate: MAX_SEND_RATE } };
  const home = await mkdtemp(join(tmpdir(), 'tidings-bench-delivery-'));
  const stack = await startLocalStack({ home, config, ports: { dynamodb: 0, ses: 0 }, inMemory: true });
  try {
    const now = new Date();
    const services = await deliveryServices(stack, {
      mailer: new SesMailer(stack.ses, { configurationSet: config.ses.configurationSet }),
    });
    const edition = 'sg';
    const at = new Date(now.getTime() - 3_600_000).toISOString();
    await new DynamoBriefStore(stack.doc, stack.tables.briefs).upsert(
      {
        id: 'bench-brief',
        headline: 'A benchmark story about regional trade talks',
        topic: 'trade',
        editions: [edition],
        publishedAt: at,
        updatedAt: at,
        news: ['Negotiators met again this week and narrowed their differences on tariffs.'],
        signals: [],
      },
      now,
    );
    // Readers, saved through the production store (index entries included), 32 at a time.
    const emails = Array.from({ length: count }, (_, i) => `reader${String(i).padStart(6, '0')}@example.com`);
    for (let i = 0; i < emails.length; i += 32) {
      await Promise.all(
        emails.slice(i, i + 32).map((email) => {
          const subscriber: Subscriber = {
            email,
            status: 'active',
            editions: [edition],
            createdAt: at,
            updatedAt: at,
            consent: { method: 'operator', givenAt: at, confirmedAt: at },
          };
          return services.subscribers.save(subscriber);
        }),
      );
    }

    console.error(`delivery: ${count} readers seeded`);
    // 1. Compose: render once, store the issue, fan out every reader into the in-process queue.
    sesStore.clearStore();
    const issueQueue = new MemorySendQueue({ concurrency: workers });
    const composeStart = performance.now();
    const composed = await composeIssue(composeDeps(services, issueQueue), { edition, now });
    const composeSeconds = (performance.now() - composeStart) / 1000;
    if (composed.enqueued !== count) throw new Error(`fan-out queued ${composed.enqueued} of ${count}`);

    // 2. The baseline: one real reader message, SendRawEmail in a plain loop, `workers` at a time.
    const { raw } = await services.messages.build(composed.issue, { email: 'probe@example.com' });
    let next = 0;
    const plainStart = performance.now();
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (next < count) {
          const i = next++;
          await stack.ses.send(
            new SendRawEmailCommand({
              RawMessage: { Data: raw },
              Source: config.sender.address,
              Destinations: [emails[i] ?? ''],
              ConfigurationSetName: config.ses.configurationSet,
            }),
          );
        }
      }),
    );
    const plainSeconds = (performance.now() - plainStart) / 1000;
    console.error(`delivery: plain loop ${plainSeconds.toFixed(1)} s`);
    const plainReceived = sesStore.getStoreReadonly().emails.length;
    sesStore.clearStore();

    // 3. The production path: the send core draining the queue on `workers` workers, each paced
    //    at its share of the rate as the send function is.
    const limiters = Array.from(
      { length: workers },
      () => new RateLimiter({ rate: MAX_SEND_RATE / workers }, realPacer),
    );
    const pipelineStart = performance.now();
    let worker = 0;
    await issueQueue.drain(async (batch) => {
      const limiter =
        limiters[worker++ % workers] ?? new RateLimiter({ rate: MAX_SEND_RATE / workers }, realPacer);
      const result = await sendBatch(sendDeps(services, limiter), batch);
      return { retry: result.retry };
    });
    const pipelineSeconds = (performance.now() - pipelineStart) / 1000;

    // 4. Checks: one `sent` row and one message per reader.
    let sentRows = 0;
    for await (const row of services.ledger.list(composed.issueId)) if (row.state === 'sent') sentRows++;
    const received = sesStore.getStoreReadonly().emails.length;
    const unique = new Set(sesStore.getStoreReadonly().emails.flatMap((e) => e.destination.to)).size;
    sesStore.clearStore();
    if (plainReceived !== count)
      throw new Error(`baseline: the stand-in received ${plainReceived} of ${count}`);
    if (sentRows !== count || received !== count || unique !== count) {
      throw new Error(
        `pipeline: ${sentRows} sent rows, ${received} messages, ${unique} recipients; expected ${count}`,
      );
    }

    const rate = count / pipelineSeconds;
    const plainRate = count / plainSeconds;
    return [
      {
        name: 'delivery',
        value: rate,
        unit: 'messages/s',
        baseline: plainRate,
        baselineName: `plain SendRawEmail loop (${workers} concurrent)`,
        ratio: rate / plainRate,
        higherIsBetter: true,
        command: `npx tsx bench/delivery.bench.ts --subscribers ${count} --workers ${workers}`,
        notes:
          `${count} readers, ${workers} send workers, local stack in one process (dynalite + SES stand-in). ` +
          `Checked: ${sentRows} sent ledger rows, ${received} messages at the stand-in, ${unique} distinct recipients. ` +
          `Fan-out (compose, enqueue) took ${composeSeconds.toFixed(2)} s before sending. Target: at least half the plain loop's rate.`,
      },
    ];
  } finally {
    await stack.close();
    await rm(home, { recursive: true, force: true });
  }
}

await runIfMain(import.meta.url, delivery);
