import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DynamoClientRequestLimit,
  MemoryClientRequestLimit,
} from '../../../lambdas/adapters/http/client-request-limit.js';
import { startTestStack, type TestStack } from '../../support/stack.js';

const t0 = new Date('2026-11-30T08:00:10Z');

describe('MemoryClientRequestLimit', () => {
  it('allows the limit per client per minute and resets with the next minute', async () => {
    const limiter = new MemoryClientRequestLimit(2);
    const hits = [];
    for (let i = 0; i < 3; i++) hits.push((await limiter.hit('a', t0)).limited);
    expect(hits).toEqual([false, false, true]);
    expect((await limiter.hit('b', t0)).limited).toBe(false);
    expect((await limiter.hit('a', t0)).retryAfterSeconds).toBe(50);
    expect((await limiter.hit('a', new Date('2026-11-30T08:01:00Z'))).limited).toBe(false);
  });
});

describe('DynamoClientRequestLimit', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack();
  });

  afterAll(async () => {
    await stack.close();
  });

  it('shares counts between instances through one item per client and minute, keeping no address', async () => {
    const a = new DynamoClientRequestLimit(stack.doc, stack.tables.subscribers, 2);
    const b = new DynamoClientRequestLimit(stack.doc, stack.tables.subscribers, 2);
    expect((await a.hit('203.0.113.5', t0)).limited).toBe(false);
    expect((await b.hit('203.0.113.5', t0)).limited).toBe(false);
    expect((await a.hit('203.0.113.5', t0)).limited).toBe(true);
    expect((await b.hit('203.0.113.6', t0)).limited).toBe(false);
    const raw = JSON.stringify(
      await stack.dynamo.send(new ScanCommand({ TableName: stack.tables.subscribers })),
    );
    expect(raw).not.toContain('203.0.113');
    expect(raw).toContain('expiresAt');
  });

  it('lets requests through when the table cannot be reached', async () => {
    const broken = new DynamoClientRequestLimit(stack.doc, 'no-such-table', 1);
    expect((await broken.hit('x', t0)).limited).toBe(false);
    expect((await broken.hit('x', t0)).limited).toBe(false);
  });
});
