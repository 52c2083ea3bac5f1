/**
 * Delivery throughput: N subscribers of one edition through the production compose (fan-out) and
 * send cores on the local stack (dynalite + the SES stand-in), against a plain loop of SendRawEmail
 * to the same stand-in at the same concurrency, in the same run. Both sides call AWS as the
 * deployed send function does, through lambdas/adapters/aws/ (the adapters' SDK commands handed to
 * those clients); `--sdk 1` puts both on the AWS SDK's clients instead.
 *
 *   npx tsx bench/delivery.bench.ts [--subscribers 10000] [--workers 8] [--briefs 1] [--one-thread 1] [--sdk 1]
 *   (a quicker run: --subscribers 2000)
 *
 * The issue carries one brief of the twelve-brief fixture: the smallest message is the least work
 * for the SES stand-in per message, so the pipeline's own cost weighs most (the hardest case for
 * the ratio); `--briefs 12` sends a full digest. The SES rate is set far above what the stand-in
 * can take, so the limiter never waits and the figure is the pipeline's own cost per message: the
 * status reads, the ledger claim and `sent` row, personalisation. The baseline runs in two halves,
 * one before and one after the pipeline, so a machine that slows down or speeds up during the run
 * weighs on both alike; the stand-in's store is emptied at the same pace in both (it keeps every
 * message in memory). Checks that every reader has a `sent` ledger row and that the stand-in
 * received exactly one message per reader.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readConfigFile } from '../cli/config-file.js';
import { MemorySendQueue } from '../cli/local/memory-send-queue.js';
import { composeDeps, deliveryServices, sendDeps } from '../cli/local/pipeline.js';
import { startLocalStack } from '../cli/local/stack.js';
import * as lean from '../lambdas/adapters/aws/client-dynamodb.js';
import { SESClient as LeanSes } from '../lambdas/adapters/aws/client-ses.js';
import { DynamoDBDocumentClient as LeanDocument } from '../lambdas/adapters/aws/lib-dynamodb.js';
import { DynamoBriefStore } from '../lambdas/adapters/dynamo-brief-store.js';
import { DynamoLedgerStore } from '../lambdas/adapters/dynamo-ledger-store.js';
import { DynamoSendChecks } from '../lambdas/adapters/dynamo-send-checks.js';
import { SesMailer } from '../lambdas/adapters/ses-mailer.js';
import { type BriefInput, BriefSchema } from '../lambdas/core/brief.js';
import { composeIssue } from '../lambdas/core/compose.js';
import type { SendBatch } from '../lambdas/core/ports.js';
import { sendBatch } from '../lambdas/core/send.js';
import { realPaceClock, SendPacer } from '../lambdas/core/send-pacer.js';
import type { Subscriber } from '../lambdas/core/subscriber.js';
import { type Figure, numericFlags, runIfMain } from './lib.js';

const require = createRequire(import.meta.url);
/** The stand-in's own store, read in-process (its HTTP listing would serialise every body). */
const sesStore = require('aws-ses-v2-local/dist/store') as {
  getStoreReadonly(): { emails: { destination: { to: string[] } }[] };
  clearStore(): void;
};

interface Harvest {
  pause(): void;
  resume(): void;
  stop(): { messages: number; recipients: number };
}

/**
 * Counts what reaches the stand-in's store while resumed (it starts paused) and empties it every
 * half second, so the store's size (and the garbage collector's work on it) is the same in both
 * phases, however long each runs.
 */
function harvest(): Harvest {
  let messages = 0;
  const recipients = new Set<string>();
  const take = (): void => {
    const emails = sesStore.getStoreReadonly().emails;
    messages += emails.length;
    for (const email of emails) for (const to of email.destination.to) recipients.add(to);
    sesStore.clearStore();
  };
  let timer: ReturnType<typeof setInterval> | undefined;
  return {
    pause() {
      take();
      clearInterval(timer);
      timer = undefined;
    },
    resume() {
      sesStore.clearStore();
      timer = setInterval(take, 500);
    },
    stop() {
      clearInterval(timer);
      return { messages, recipients: recipients.size };
    },
  };
}

/**
 * CPU time of this process's main thread in ms (Linux: /proc; elsewhere the event loop's busy
 * time, which overstates it: wall time).
 */
function threadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/${process.pid}/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in ticks of 10 ms
  } catch {
    return performance.now();
  }
}

/** Far above the stand-in's capacity: the limiter is in the path but never the bottleneck. */
const MAX_SEND_RATE = 100_000;

export default async function delivery(argv: string[]): Promise<Figure[]> {
  const flags = numericFlags(argv, { subscribers: 10_000, workers: 8, briefs: 1, 'one-thread': 0, sdk: 0 });
  const count = Math.floor(flags.subscribers);
  const workers = Math.floor(flags.workers);
  const briefCount = Math.min(12, Math.floor(flags.briefs));
  const oneThread = flags['one-thread'] === 1;
  const base = await readConfigFile();
  const config = { ...base, ses: { ...base.ses, maxSendRate: MAX_SEND_RATE } };
  const home = await mkdtemp(join(tmpdir(), 'tidings-bench-delivery-'));
  let sendEvents = 0;
  const stack = await startLocalStack({
    home,
    config,
    ports: { dynamodb: 0, ses: 0 },
    inMemory: true,
    dynamodbOnCallerThread: oneThread,
    // SES's Send events are the feedback function's work in AWS, not the sender's: here they are
    // counted, not applied, so that neither side of the comparison pays for them.
    sesEvents: async () => {
      sendEvents++;
    },
  });
  try {
    const now = new Date();
    // The clients the deployed send function calls AWS with (lambdas/adapters/aws/, which its
    // bundle carries in place of the SDK's), on both sides: the pipeline and the plain loop.
    // `--sdk 1` puts the SDK's clients on both sides instead.
    const clients = flags.sdk === 1 ? stack : leanClients(stack);
    const services = await deliveryServices(
      { ...stack, ...clients },
      { mailer: new SesMailer(clients.ses, { configurationSet: config.ses.configurationSet }) },
    );
    const edition = 'sg';
    const at = new Date(now.getTime() - 3_600_000).toISOString();
    // The issue: the first `briefs` of the twelve-brief fixture (12 briefs with 3 signals each is
    // the size of a full digest), published an hour ago for this edition.
    const fixture = JSON.parse(
      await readFile(new URL('../tests/fixtures/briefs/twelve-briefs.json', import.meta.url), 'utf8'),
    ) as { briefs: BriefInput[] };
    const briefs = fixture.briefs
      .slice(0, briefCount)
      .map((brief) => BriefSchema.parse({ ...brief, editions: [edition], publishedAt: at, updatedAt: at }));
    await new DynamoBriefStore(stack.doc, stack.tables.briefs).upsertMany(briefs, now);
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
    // 1. Compose: render once, store the issue, fan out every reader (the queue keeps the slices).
    sesStore.clearStore();
    const slices: SendBatch[] = [];
    const composeStart = performance.now();
    const composed = await composeIssue(
      composeDeps(services, { enqueue: async (batches) => void slices.push(...batches) }),
      { edition, now },
    );
    const composeSeconds = (performance.now() - composeStart) / 1000;
    if (composed.enqueued !== count) throw new Error(`fan-out queued ${composed.enqueued} of ${count}`);

    // The baseline: one real reader message, SendRawEmail in a plain loop, `workers` at a time.
    const { raw } = await services.messages.build(composed.issue, { email: 'probe@example.com' });
    const plainLoop = async (first: number, end: number): Promise<void> => {
      let next = first;
      await Promise.all(
        Array.from({ length: workers }, async () => {
          while (next < end) {
            const i = next++;
            await clients.ses.send(
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
    };
    // The production path: the send core draining a queue on `workers` workers, each paced at its
    // share of the rate as the send function is.
    const limiters = Array.from(
      { length: workers },
      () => new SendPacer({ rate: MAX_SEND_RATE / workers }, realPaceClock),
    );
    const pipeline = async (share: SendBatch[]): Promise<void> => {
      const queue = new MemorySendQueue({ concurrency: workers });
      await queue.enqueue(share);
      let worker = 0;
      await queue.drain(async (batch) => {
        const limiter =
          limiters[worker++ % workers] ?? new SendPacer({ rate: MAX_SEND_RATE / workers }, realPaceClock);
        const result = await sendBatch(sendDeps(services, limiter), batch);
        return { retry: result.retry };
      });
    };

    // 2. A B A: the baseline's first half, the pipeline, the baseline's second half, so that a
    //    machine that slows down or speeds up during the run weighs on both alike. The pipeline
    //    drains the whole issue at once, as it does in use.
    const plainStore = harvest();
    const pipelineStore = harvest();
    // CPU time of this (the sender's) thread, per phase: a measure that other processes on the
    // machine disturb less than wall time.
    const busy = { plain: 0, pipeline: 0 };
    const timed = async (
      store: Harvest,
      phase: keyof typeof busy,
      run: () => Promise<void>,
    ): Promise<number> => {
      store.resume();
      const before = threadCpuMs();
      const start = performance.now();
      await run();
      const seconds = (performance.now() - start) / 1000;
      busy[phase] += threadCpuMs() - before;
      store.pause();
      return seconds;
    };
    const half = Math.floor(count / 2);
    let plainSeconds = await timed(plainStore, 'plain', () => plainLoop(0, half));
    const pipelineSeconds = await timed(pipelineStore, 'pipeline', () => pipeline(slices));
    plainSeconds += await timed(plainStore, 'plain', () => plainLoop(half, count));
    const plainReceived = plainStore.stop();
    const pipelineReceived = pipelineStore.stop();
    console.error(
      `delivery: plain loop ${plainSeconds.toFixed(1)} s, pipeline ${pipelineSeconds.toFixed(1)} s; ` +
        `sender thread CPU ${((busy.plain * 1000) / count).toFixed(0)} µs/message (plain loop), ` +
        `${((busy.pipeline * 1000) / count).toFixed(0)} µs/message (pipeline)`,
    );

    // 3. Checks: one `sent` row and one message per reader.
    let sentRows = 0;
    for await (const row of services.ledger.list(composed.issueId)) if (row.state === 'sent') sentRows++;
    if (plainReceived.messages !== count)
      throw new Error(`baseline: the stand-in received ${plainReceived.messages} of ${count}`);
    const { messages: received, recipients: unique } = pipelineReceived;
    if (sentRows !== count || received !== count || unique !== count) {
      throw new Error(
        `pipeline: ${sentRows} sent rows, ${received} messages, ${unique} recipients; expected ${count}`,
      );
    }
    const checkRequests = services.checks instanceof DynamoSendChecks ? services.checks.requests : Number.NaN;
    const sentRequests =
      services.ledger instanceof DynamoLedgerStore ? services.ledger.sentRequests : Number.NaN;

    const rate = count / pipelineSeconds;
    const plainRate = count / plainSeconds;
    return [
      {
        name: oneThread
          ? 'delivery-one-thread'
          : briefCount === 1
            ? 'delivery'
            : briefCount === 12
              ? 'delivery-full-digest'
              : `delivery-${briefCount}-briefs`,
        value: rate,
        unit: 'messages/s',
        baseline: plainRate,
        baselineName: `plain SendRawEmail loop (${workers} concurrent)`,
        ratio: rate / plainRate,
        higherIsBetter: true,
        command: `npx tsx bench/delivery.bench.ts --subscribers ${count} --workers ${workers} --briefs ${briefCount}${oneThread ? ' --one-thread 1' : ''}${flags.sdk === 1 ? ' --sdk 1' : ''}`,
        notes:
          `${count} readers, ${workers} send workers, local stack in one process: ` +
          (oneThread
            ? 'dynalite, the SES stand-in and the sender all on one thread, so the DynamoDB emulation takes turns with the sender. '
            : "dynalite on a thread of its own (as the local stack runs it), the SES stand-in on the sender's thread as in the baseline. ") +
          `An issue of ${briefCount} brief${briefCount === 1 ? '' : 's'} (${(raw.byteLength / 1024).toFixed(1)} KB per message). ` +
          (flags.sdk === 1
            ? "Both sides on the AWS SDK's clients (--sdk 1). "
            : "Both sides on the send function's own AWS calls (lambdas/adapters/aws/, as its bundle sends them; --sdk 1 for the SDK's clients). ") +
          `Baseline in two halves, before and after the pipeline. ` +
          `Checked: ${sentRows} sent ledger rows, ${received} messages at the stand-in, ${unique} distinct recipients. ` +
          `Requests per message besides the claim and SendRawEmail: ${(checkRequests / count).toFixed(2)} status reads, ` +
          `${(sentRequests / count).toFixed(2)} sent-row writes. ` +
          `SES Send events counted, not applied (the feedback function's work in AWS): ${sendEvents}. ` +
          `Sender thread CPU ${((busy.pipeline * 1000) / count).toFixed(0)} µs per message in the pipeline, ${((busy.plain * 1000) / count).toFixed(0)} µs in the plain loop. ` +
          `Fan-out (compose, enqueue) took ${composeSeconds.toFixed(2)} s before sending.`,
      },
    ];
  } finally {
    await stack.close();
    await rm(home, { recursive: true, force: true });
  }
}

await runIfMain(import.meta.url, delivery);

/**
 * The send function's own clients (lambdas/adapters/aws/) pointed at the local stack, typed as the
 * SDK's, whose names and shapes they take: the adapters run here as written, their SDK commands
 * sent by these clients (in the bundle, esbuild gives the adapters these modules' commands).
 */
function leanClients(stack: { dynamodbUrl: string; sesUrl: string }): {
  dynamo: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  ses: SESClient;
} {
  const options = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const dynamo = new lean.DynamoDBClient({ ...options, endpoint: stack.dynamodbUrl });
  const doc = LeanDocument.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  return {
    dynamo: dynamo as unknown as DynamoDBClient,
    doc: doc as unknown as DynamoDBDocumentClient,
    ses: new LeanSes({ ...options, endpoint: stack.sesUrl }) as unknown as SESClient,
  };
}
