import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SendQueueError, SqsSendQueue } from '../../lambdas/adapters/sqs-send-queue.js';
import type { SendBatch } from '../../lambdas/core/ports.js';

// SQS has no local stand-in: the client is mocked, and the queue's behaviour is read from what it sent.
const sqs = mockClient(SQSClient);
const URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/send';

type Entries = { Id?: string; MessageBody?: string }[];

function batches(count: number): SendBatch[] {
  return Array.from({ length: count }, (_, i) => ({
    issueId: 'dc-2026-11-30',
    recipients: [{ email: `r${i}@example.com` }],
  }));
}

describe('SqsSendQueue', () => {
  let received: SendBatch[];
  let calls: number;
  beforeEach(() => {
    sqs.reset();
    received = [];
    calls = 0;
  });
  afterEach(() => sqs.reset());

  const accept = (input: { Entries?: Entries }) => {
    calls++;
    for (const e of input.Entries ?? []) received.push(JSON.parse(e.MessageBody ?? ''));
    return {
      Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id, MessageId: 'm', MD5OfMessageBody: '' })),
    };
  };

  it('sends one message per batch, at most ten per call, bodies intact', async () => {
    sqs.on(SendMessageBatchCommand).callsFake(accept);
    const queue = new SqsSendQueue(new SQSClient({ region: 'us-east-1' }), URL, async () => undefined);
    await queue.enqueue(batches(23));
    expect(calls).toBe(3);
    expect(received).toEqual(batches(23));
  });

  it('sends again only the entries SQS failed, until they are taken', async () => {
    let first = true;
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries?: Entries }) => {
      if (!first) return accept(input);
      first = false;
      const entries = input.Entries ?? [];
      for (const e of entries.slice(0, 7)) received.push(JSON.parse(e.MessageBody ?? ''));
      return {
        Successful: entries.slice(0, 7).map((e) => ({ Id: e.Id, MessageId: 'm', MD5OfMessageBody: '' })),
        Failed: entries.slice(7).map((e) => ({ Id: e.Id, Code: 'InternalError', SenderFault: false })),
      };
    });
    const queue = new SqsSendQueue(new SQSClient({ region: 'us-east-1' }), URL, async () => undefined);
    await queue.enqueue(batches(10));
    expect(received.map((b) => b.recipients[0]?.email).sort()).toEqual(
      batches(10)
        .map((b) => b.recipients[0]?.email)
        .sort(),
    );
  });

  it('gives up with an error on a sender fault', async () => {
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [{ Id: '0', Code: 'InvalidMessageContents', SenderFault: true, Message: 'bad' }],
    });
    const queue = new SqsSendQueue(new SQSClient({ region: 'us-east-1' }), URL, async () => undefined);
    await expect(queue.enqueue(batches(1))).rejects.toThrow(SendQueueError);
  });

  it('gives up after repeated failures instead of looping forever', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [], Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false }] });
    const queue = new SqsSendQueue(new SQSClient({ region: 'us-east-1' }), URL, async () => undefined);
    await expect(queue.enqueue(batches(1))).rejects.toThrow(/after 5 attempts/);
  });
});
