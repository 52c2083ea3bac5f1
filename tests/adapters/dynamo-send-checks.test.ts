import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoIssueStore } from '../../lambdas/adapters/dynamo-issue-store.js';
import { DynamoSendChecks } from '../../lambdas/adapters/dynamo-send-checks.js';
import { DynamoSubscriberStore } from '../../lambdas/adapters/dynamo-subscriber-store.js';
import type { Issue } from '../../lambdas/core/issue.js';
import type { Subscriber } from '../../lambdas/core/subscriber.js';
import { subscriber } from '../support/fakes/delivery.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let store: DynamoSubscriberStore;
let checks: DynamoSendChecks;
const ISSUE = 'dc-2026-11-30';

beforeAll(async () => {
  stack = await startTestStack();
  store = new DynamoSubscriberStore(stack.doc, stack.tables.subscribers);
  checks = new DynamoSendChecks(stack.dynamo, stack.tables);
  const issue: Issue = {
    id: ISSUE,
    edition: 'dc',
    localDate: '2026-11-30',
    state: 'sending',
    cutoff: '2026-11-30T11:30:00.000Z',
    briefIds: [],
    briefs: [],
    html: 'x'.repeat(50_000),
    counts: { enqueued: 0, fanouts: 0 },
    createdAt: '2026-11-30T11:30:00.000Z',
    updatedAt: '2026-11-30T11:30:00.000Z',
  };
  await new DynamoIssueStore(stack.doc, stack.tables.issues).create(issue);
});
afterAll(async () => {
  await stack?.close();
});

const fresh = (email: string, overrides: Partial<Subscriber> = {}): Subscriber => ({
  ...subscriber(email, ['dc'], overrides),
  version: 0,
});

describe('DynamoSendChecks', () => {
  it('reads the issue state and the profile in one go', async () => {
    await store.save(fresh('ada@example.com', { name: 'Ada' }));
    expect(await checks.check(ISSUE, 'Ada@Example.com')).toEqual({
      state: 'sending',
      subscriber: { status: 'active', editions: ['dc'], name: 'Ada' },
      suppressed: false,
    });
    expect((await checks.check('dc-1999-01-01', 'nobody@example.com')).state).toBeUndefined();
  });

  // The suppression verdict must be the subscriber store's own, whatever happened to the address.
  it.each([
    ['an active reader', async (e: string) => store.save(fresh(e))],
    ['a bounced reader', async (e: string) => store.save(fresh(e, { status: 'bounced' }))],
    ['a complained reader', async (e: string) => store.save(fresh(e, { status: 'complained' }))],
    ['an unsubscribed reader', async (e: string) => store.save(fresh(e, { status: 'unsubscribed' }))],
    [
      'a forgotten reader',
      async (e: string) => {
        await store.save(fresh(e));
        await store.forget(e, new Date());
      },
    ],
    [
      'a forgotten reader who subscribed again',
      async (e: string) => {
        await store.save(fresh(e));
        await store.forget(e, new Date());
        await store.save(fresh(e));
      },
    ],
    [
      'a bounced reader who was forgotten',
      async (e: string) => {
        await store.save(fresh(e, { status: 'bounced' }));
        await store.forget(e, new Date());
      },
    ],
    ['a stranger', async () => undefined],
  ])('agrees with the store on %s', async (name, arrange) => {
    const email = `${name.replace(/\W+/g, '-')}@example.com`;
    await arrange(email);
    const check = await checks.check(ISSUE, email);
    expect(check.suppressed).toBe(await store.isSuppressed(email));
    expect(check.subscriber?.status).toBe((await store.get(email))?.status);
  });
});

describe('DynamoSendChecks asked for at the same time', () => {
  it('answers concurrent checks from shared requests, each for its own reader', async () => {
    const own = new DynamoSendChecks(stack.dynamo, stack.tables);
    const emails = Array.from({ length: 60 }, (_, i) => `together${i}@example.com`);
    await Promise.all(
      emails.map((e, i) => store.save(fresh(e, i % 3 === 0 ? { status: 'unsubscribed', editions: [] } : {}))),
    );
    const checks = await Promise.all(emails.map((e) => own.check(ISSUE, e)));
    expect(checks.map((c) => c.subscriber?.status)).toEqual(
      emails.map((_, i) => (i % 3 === 0 ? 'unsubscribed' : 'active')),
    );
    expect(checks.every((c) => c.state === 'sending' && !c.suppressed)).toBe(true);
    // 60 readers are 121 keys: two requests of at most 100 keys, not 60 requests.
    expect(own.requests).toBe(2);
  });

  it('answers two checks of one reader asked at once from one request (DynamoDB refuses a key twice)', async () => {
    const own = new DynamoSendChecks(stack.dynamo, stack.tables);
    await store.save(fresh('twice@example.com', { name: 'Twice' }));
    const [first, second] = await Promise.all([
      own.check(ISSUE, 'twice@example.com'),
      own.check(ISSUE, 'Twice@Example.com'),
    ]);
    expect(first).toEqual({
      state: 'sending',
      subscriber: { status: 'active', editions: ['dc'], name: 'Twice' },
      suppressed: false,
    });
    expect(second).toEqual(first);
    expect(own.requests).toBe(1);
  });

  it('reads a lone check at once, and lets a check that comes while others have wait for company', async () => {
    // A linger longer than the test's timeout: a lone check that waited for it would never answer.
    const lone = new DynamoSendChecks(stack.dynamo, stack.tables, undefined, { lingerMs: 60_000 });
    await store.save(fresh('lone@example.com'));
    expect((await lone.check(ISSUE, 'lone@example.com')).subscriber?.status).toBe('active');
    expect(lone.requests).toBe(1);

    const own = new DynamoSendChecks(stack.dynamo, stack.tables, undefined, { lingerMs: 300 });
    await Promise.all(['first', 'second', 'third'].map((name) => store.save(fresh(`${name}@example.com`))));
    await own.check(ISSUE, 'first@example.com');
    await new Promise((resolve) => setImmediate(resolve));
    // Just after a read: the next check waits, and one asked 30 ms later shares its request.
    const second = own.check(ISSUE, 'second@example.com');
    await new Promise((resolve) => setTimeout(resolve, 30));
    const third = own.check(ISSUE, 'third@example.com');
    expect([(await second).subscriber?.status, (await third).subscriber?.status]).toEqual([
      'active',
      'active',
    ]);
    expect(own.requests).toBe(2);
  });

  it('never answers a check from a read that began before it was asked for', async () => {
    // A client whose first answer arrives late: the read is done, its result is on its way.
    const slow = new DynamoDBClient({
      endpoint: stack.dynamodbUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    let answers = 0;
    slow.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        if (answers++ === 0) await new Promise((resolve) => setTimeout(resolve, 200));
        return result;
      },
      { step: 'initialize', name: 'lateFirstAnswer' },
    );
    const own = new DynamoSendChecks(slow, stack.tables);
    await store.save(fresh('early@example.com'));
    await store.save(fresh('leaver@example.com'));
    const early = own.check(ISSUE, 'early@example.com');
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The leaver unsubscribes while the first read's answer is on its way, then is checked.
    const profile = await store.get('leaver@example.com');
    if (!profile) throw new Error('missing profile');
    await store.save({ ...profile, status: 'unsubscribed', editions: [] });
    const leaver = await own.check(ISSUE, 'leaver@example.com');
    expect(leaver.subscriber?.status).toBe('unsubscribed');
    expect((await early).subscriber?.status).toBe('active');
    expect(own.requests).toBe(2);
    slow.destroy();
  });
});
