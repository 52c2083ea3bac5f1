import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { composeDeps, deliveryServices, ingestLocal } from '../../../cli/local/pipeline.js';
import { DynamoLedgerStore } from '../../../lambdas/adapters/dynamo-ledger-store.js';
import { DynamoSubscriberStore } from '../../../lambdas/adapters/dynamo-subscriber-store.js';
import { composeIssue } from '../../../lambdas/core/compose.js';
import { ArrayQueue, subscriber } from '../../support/fakes/delivery.js';
import { handlerEnvironment } from '../../support/fakes/handler-env.js';

let env: Awaited<ReturnType<typeof handlerEnvironment>>;
let handler: (event: SQSEvent, context: unknown) => Promise<SQSBatchResponse>;
let issueId: string;
let batches: { issueId: string; recipients: { email: string }[] }[];

function record(id: string, body: unknown): SQSRecord {
  return {
    messageId: id,
    receiptHandle: id,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {} as SQSRecord['attributes'],
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:send',
    awsRegion: 'us-east-1',
  };
}

const recipientsAtStandIn = async (): Promise<string[]> =>
  (await env.stack.inbox()).flatMap((e) => e.destination.to).map((t) => /<([^>]+)>/.exec(t)?.[1] ?? t);

beforeAll(async () => {
  // A high rate keeps the test quick; pacing itself is tested in core and on the local stack.
  env = await handlerEnvironment({ SEND_MAX_CONCURRENCY: '2' });
  env.stack.config = { ...env.stack.config, ses: { ...env.stack.config.ses, maxSendRate: 200 } };
  process.env.TIDINGS_CONFIG = JSON.stringify(env.stack.config);
  await ingestLocal(env.stack, new Date());
  const store = new DynamoSubscriberStore(env.stack.doc, env.stack.tables.subscribers);
  for (let i = 0; i < 12; i++) await store.save(subscriber(`reader${i}@example.com`, ['bxl']));
  const queue = new ArrayQueue();
  const services = await deliveryServices(env.stack);
  const composed = await composeIssue(
    { ...composeDeps(services, queue), batchSize: 4 },
    { edition: 'bxl', now: new Date() },
  );
  issueId = composed.issueId;
  batches = queue.take();
  ({ handler } = await import('../../../lambdas/handlers/send.js'));
});
afterAll(async () => {
  await env?.close();
});
beforeEach(async () => {
  await env.stack.clearInbox();
});

describe('send handler', () => {
  it('sends each reader of a batch once, even when SQS delivers the same message twice in one event', async () => {
    const records = batches.flatMap((b, i) => [record(`a${i}`, b), record(`b${i}`, b)]);
    const response = await handler({ Records: records }, {});
    // A duplicate that found a fresh claim asks for redelivery; a second invocation settles it.
    const again = await handler(
      {
        Records: records.filter((r) =>
          response.batchItemFailures.some((f) => f.itemIdentifier === r.messageId),
        ),
      },
      {},
    );
    expect(again.batchItemFailures).toEqual([]);
    const to = await recipientsAtStandIn();
    expect(to.sort()).toEqual(Array.from({ length: 12 }, (_, i) => `reader${i}@example.com`).sort());
    const ledger = new DynamoLedgerStore(env.stack.dynamo, env.stack.tables.ledger);
    const rows = [];
    for await (const row of ledger.list(issueId)) rows.push(row);
    expect(rows.map((r) => r.state)).toEqual(Array(12).fill('sent'));
  });

  it('reports only the bad records of a batch as failures and handles the rest', async () => {
    const newcomer = 'late@example.com';
    await new DynamoSubscriberStore(env.stack.doc, env.stack.tables.subscribers).save(
      subscriber(newcomer, ['bxl']),
    );
    const hostile: [string, unknown][] = [
      ['not-json', '{"issueId":'],
      ['no-recipients', { issueId, recipients: [] }],
      ['bad-issue-id', { issueId: 'bxl-../../x', recipients: [{ email: newcomer }] }],
      ['extra-field', { issueId, recipients: [{ email: newcomer }], priority: 1 }],
      ['unknown-issue', { issueId: 'bxl-1999-01-01', recipients: [{ email: newcomer }] }],
      ['huge', { issueId, recipients: Array(101).fill({ email: newcomer }) }],
    ];
    const response = await handler(
      {
        Records: [
          ...hostile.map(([id, body]) => record(id, body)),
          record('good', { issueId, recipients: [{ email: newcomer }] }),
        ],
      },
      {},
    );
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      hostile.map(([id]) => id).sort(),
    );
    expect(await recipientsAtStandIn()).toEqual([newcomer]);
  });
});
