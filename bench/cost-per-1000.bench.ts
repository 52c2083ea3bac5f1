/**
 * `cost-per-1000`: what 1,000 digest emails cost on AWS beyond SES's own price, from what the
 * production compose and send code measurably does on the local stack: DynamoDB capacity units
 * (the stand-in reports ConsumedCapacity as DynamoDB does), SQS requests, Lambda time, Scheduler
 * invocations — priced at AWS list prices (us-east-1). Baseline: SES's $0.10 per 1,000 emails.
 *
 *   npx tsx bench/cost-per-1000.bench.ts [--readers 1000]
 */

import { ingestLocal, runPass } from '../cli/local/pipeline.js';
import { DynamoSubscriberStore } from '../lambdas/adapters/dynamo-subscriber-store.js';
import { planSendRate } from '../lambdas/core/send-rate.js';
import type { Subscriber } from '../lambdas/core/subscriber.js';
import { startTestStack } from '../tests/support/stack.js';
import { type Figure, numericFlags, runIfMain } from './lib.js';

/**
 * AWS list prices, us-east-1, as published on each service's pricing page (read 2026-11-30;
 * DynamoDB on-demand after its November 2024 reduction). Check them again before quoting.
 */
export const PRICES = {
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    source: 'https://aws.amazon.com/lambda/pricing/ (Arm, first 7.5 billion GB-s)',
  },
  lambdaRequest: { usd: 0.2 / 1e6, source: 'https://aws.amazon.com/lambda/pricing/ ($0.20 per 1M requests)' },
  dynamoWriteUnit: {
    usd: 0.625 / 1e6,
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/ ($0.625 per 1M WRU)',
  },
  dynamoReadUnit: {
    usd: 0.125 / 1e6,
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/ ($0.125 per 1M RRU)',
  },
  sqsRequest: {
    usd: 0.4 / 1e6,
    source: 'https://aws.amazon.com/sqs/pricing/ (standard queue, $0.40 per 1M requests)',
  },
  schedulerInvocation: {
    usd: 1 / 1e6,
    source: 'https://aws.amazon.com/eventbridge/pricing/ (Scheduler, $1.00 per 1M invocations)',
  },
  ses: { usd: 0.1 / 1000, source: 'https://aws.amazon.com/ses/pricing/ ($0.10 per 1,000 emails)' },
} as const;

/** Memory of the functions as deployed (`infra/stacks/pipeline-stack.ts`: compose 1024 MB, send 512 MB). */
const COMPOSE_MEMORY_GB = 1;
const SEND_MEMORY_GB = 0.5;
/** SQS event source batch size of the send function (`SEND_BATCH_SIZE` in the pipeline stack). */
const SEND_BATCH_SIZE = 5;
/** Recipients per SQS message (compose's default). */
const RECIPIENTS_PER_MESSAGE = 50;

interface Meter {
  readUnits: number;
  writeUnits: number;
  calls: number;
}

export default async function costPer1000(argv: string[]): Promise<Figure[]> {
  const { readers } = numericFlags(argv, { readers: 1000 });
  const stack = await startTestStack();
  try {
    // An account rate far above any real one makes each worker's pace (rate ÷ 1,000 workers) 1,000/s:
    // with one worker the time per email is then the code's own, not the pacing's.
    const config = { ...stack.config, ses: { ...stack.config.ses, maxSendRate: 1_000_000 } };
    const now = new Date('2026-11-30T12:00:00Z');
    await ingestLocal(stack, now);
    const subscribers = new DynamoSubscriberStore(stack.doc, stack.tables.subscribers);
    const at = now.toISOString();
    for (let i = 0; i < readers; i++) {
      const subscriber: Subscriber = {
        email: `reader${i}@example.com`,
        status: 'active',
        editions: ['dc'],
        createdAt: at,
        updatedAt: at,
        consent: { method: 'operator', givenAt: at, confirmedAt: at },
      };
      await subscribers.save(subscriber);
    }

    // Meter every DynamoDB call from here on, asking for ConsumedCapacity as DynamoDB reports it.
    const meter: Meter = { readUnits: 0, writeUnits: 0, calls: 0 };
    const READS = new Set([
      'GetCommand',
      'GetItemCommand',
      'QueryCommand',
      'ScanCommand',
      'BatchGetCommand',
      'BatchGetItemCommand',
    ]);
    // Both clients: the send path's low-level one and the document client the other stores use.
    const meterMiddleware =
      (next: (args: { input: unknown }) => Promise<{ output: unknown }>, context: { commandName?: string }) =>
      async (args: { input: unknown }) => {
        const input = args.input as Record<string, unknown>;
        input.ReturnConsumedCapacity ??= 'TOTAL';
        const result = await next(args);
        meter.calls++;
        const consumed = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
        let units = 0;
        for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
          units += (c as { CapacityUnits?: number }).CapacityUnits ?? 0;
        }
        if (READS.has(context.commandName ?? '')) meter.readUnits += units;
        else meter.writeUnits += units;
        return result;
      };
    stack.dynamo.middlewareStack.add(meterMiddleware as never, { step: 'initialize', name: 'capacityMeter' });
    stack.doc.middlewareStack.add(meterMiddleware as never, { step: 'initialize', name: 'capacityMeter' });

    // One send worker, no pacing: the time per email is the code's own, not the rate's.
    const started = performance.now();
    const [summary] = await runPass(
      { ...stack, config },
      { now, editions: ['dc'], force: true, ingest: false, queue: { concurrency: 1 } },
    );
    const wallMs = performance.now() - started;
    const emails = summary?.ledger.sent ?? 0;
    if (emails !== readers) throw new Error(`expected ${readers} emails sent, the ledger says ${emails}`);

    const perEmail = {
      readUnits: meter.readUnits / emails,
      writeUnits: meter.writeUnits / emails,
      lambdaMs: wallMs / emails,
    };
    // At the configured rate each worker waits for its slot, and a waiting Lambda is billed too.
    const plan = planSendRate(stack.config.ses.maxSendRate);
    const pacedMs = 1000 / plan.perWorkerRate;
    const billedMs = Math.max(perEmail.lambdaMs, pacedMs);
    const sqsMessages = 1000 / RECIPIENTS_PER_MESSAGE;
    const cost = {
      dynamodb:
        1000 *
        (perEmail.readUnits * PRICES.dynamoReadUnit.usd + perEmail.writeUnits * PRICES.dynamoWriteUnit.usd),
      // The code's own time is priced at compose's larger memory (an upper bound for send's share);
      // the wait for a paced slot at the send function's memory.
      lambda:
        1000 *
          ((perEmail.lambdaMs / 1000) * COMPOSE_MEMORY_GB +
            (Math.max(0, pacedMs - perEmail.lambdaMs) / 1000) * SEND_MEMORY_GB) *
          PRICES.lambdaArmGbSecond.usd +
        (sqsMessages / SEND_BATCH_SIZE + 1) * PRICES.lambdaRequest.usd,
      // SendMessageBatch (10 messages a call), then the event source's receive and delete per batch.
      sqs: (sqsMessages / 10 + (2 * sqsMessages) / SEND_BATCH_SIZE) * PRICES.sqsRequest.usd,
      scheduler: (1000 / readers) * PRICES.schedulerInvocation.usd,
    };
    const total = cost.dynamodb + cost.lambda + cost.sqs + cost.scheduler;
    const usd = (n: number): string => `$${n.toFixed(5)}`;
    return [
      {
        name: 'cost-per-1000',
        value: total,
        unit: 'USD per 1,000 emails',
        baseline: PRICES.ses.usd * 1000,
        baselineName: "SES's own price",
        ratio: total / (PRICES.ses.usd * 1000),
        higherIsBetter: false,
        command: `npx tsx bench/cost-per-1000.bench.ts --readers ${readers}`,
        notes:
          `per 1,000 emails to a ${readers}-reader edition: DynamoDB ${usd(cost.dynamodb)} ` +
          `(${perEmail.readUnits.toFixed(2)} RRU + ${perEmail.writeUnits.toFixed(2)} WRU per email, measured), ` +
          `Lambda ${usd(cost.lambda)} (${perEmail.lambdaMs.toFixed(1)} ms of compose+send code per email measured locally; ` +
          `billed ${billedMs.toFixed(0)} ms because each of ${plan.maxConcurrency} senders paces at ` +
          `${plan.perWorkerRate.toFixed(1)}/s under a ${stack.config.ses.maxSendRate}/s account rate), SQS ${usd(cost.sqs)}, ` +
          `Scheduler ${usd(cost.scheduler)}. Real SES and DynamoDB latencies are higher than the stand-ins', which raises ` +
          `Lambda time where it exceeds the pacing. Prices: ${Object.values(PRICES)
            .map((p) => p.source)
            .join('; ')}; read 2026-11-30.`,
      },
    ];
  } finally {
    await stack.close();
  }
}

await runIfMain(import.meta.url, costPer1000);
