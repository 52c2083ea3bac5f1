import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestLocal } from '../../../cli/local/pipeline.js';
import { DynamoIssueStore } from '../../../lambdas/adapters/dynamo-issue-store.js';
import { DynamoSubscriberStore } from '../../../lambdas/adapters/dynamo-subscriber-store.js';
import { currentIssueId } from '../../../lambdas/core/edition.js';
import type { SendBatch } from '../../../lambdas/core/ports.js';
import { subscriber } from '../../support/fakes/delivery.js';
import { handlerEnvironment } from '../../support/fakes/handler-env.js';

// SQS has no local stand-in: the queue is mocked and what it was given is read back.
const sqs = mockClient(SQSClient);
const queued: SendBatch[] = [];
sqs.on(SendMessageBatchCommand).callsFake((input: { Entries?: { MessageBody?: string }[] }) => {
  for (const entry of input.Entries ?? []) queued.push(JSON.parse(entry.MessageBody ?? '{}') as SendBatch);
  return {
    Successful: (input.Entries ?? []).map((_, i) => ({
      Id: String(i),
      MessageId: `m${i}`,
      MD5OfMessageBody: '',
    })),
  };
});

let env: Awaited<ReturnType<typeof handlerEnvironment>>;
let handler: (event: unknown) => Promise<{ issueId: string; outcome: string; enqueued: number }>;

beforeAll(async () => {
  env = await handlerEnvironment({ SEND_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/send' });
  await ingestLocal(env.stack, new Date());
  const store = new DynamoSubscriberStore(env.stack.doc, env.stack.tables.subscribers);
  for (let i = 0; i < 120; i++) await store.save(subscriber(`reader${i}@example.com`, ['sg']));
  await store.save(subscriber('left@example.com', ['sg'], { status: 'unsubscribed' }));
  ({ handler } = await import('../../../lambdas/handlers/compose.js'));
});
afterAll(async () => {
  sqs.restore();
  await env?.close();
});

describe('compose handler', () => {
  it("stores today's issue and queues every active reader in slices of at most 50", async () => {
    const result = await handler({ edition: 'sg' });
    const edition = env.stack.config.editions.find((e) => e.id === 'sg');
    if (!edition) throw new Error('no sg edition');
    expect(result).toEqual({
      issueId: currentIssueId(edition, new Date()),
      outcome: 'composed',
      enqueued: 120,
    });
    const issue = await new DynamoIssueStore(env.stack.doc, env.stack.tables.issues).get(result.issueId);
    expect(issue).toMatchObject({ state: 'sending', edition: 'sg', counts: { enqueued: 120, fanouts: 1 } });
    expect(issue?.html).toContain('<html');
    const emails = queued.flatMap((b) => b.recipients.map((r) => r.email));
    expect(new Set(emails).size).toBe(120);
    expect(emails).not.toContain('left@example.com');
    expect(queued.every((b) => b.issueId === result.issueId && b.recipients.length <= 50)).toBe(true);
  });

  it('queues readers again but makes no second issue when invoked twice on a day', async () => {
    queued.length = 0;
    const again = await handler({ edition: 'sg' });
    expect(again.outcome).toBe('refanout');
    expect(queued.flatMap((b) => b.recipients)).toHaveLength(120);
  });

  it.each([
    ['nothing', undefined],
    ['null', null],
    ['a string', 'sg'],
    ['no edition', {}],
    ['an edition that is not an id', { edition: '../../etc' }],
    ['an upper-case edition', { edition: 'SG' }],
    ['an extra field', { edition: 'sg', force: true }],
    ['an array', [{ edition: 'sg' }]],
  ])('rejects %s', async (_name, event) => {
    await expect(handler(event)).rejects.toThrow(/unexpected compose event/);
  });

  it('fails on an edition that is not configured', async () => {
    await expect(handler({ edition: 'atlantis' })).rejects.toThrow(/unknown edition/);
  });
});
