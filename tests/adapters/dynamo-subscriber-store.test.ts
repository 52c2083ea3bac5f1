import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DynamoSubscriberStore,
  shardOf,
  suppressionHash,
} from '../../lambdas/adapters/dynamo-subscriber-store.js';
import { SUBSCRIBER_SHARDS } from '../../lambdas/core/ports.js';
import { ConcurrentUpdateError, type Subscriber } from '../../lambdas/core/subscriber.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const at = '2026-11-30T08:00:00.000Z';

function reader(email: string, changes: Partial<Subscriber> = {}): Subscriber {
  return {
    email,
    status: 'active',
    editions: ['dc'],
    createdAt: at,
    updatedAt: at,
    consent: { method: 'operator', givenAt: at, confirmedAt: at },
    ...changes,
  };
}

describe('DynamoSubscriberStore', () => {
  let stack: TestStack;
  let store: DynamoSubscriberStore;
  let now = new Date(at);

  beforeAll(async () => {
    stack = await startTestStack();
    store = new DynamoSubscriberStore(stack.doc, stack.tables.subscribers, () => now);
  });

  afterAll(async () => {
    await stack.close();
  });

  async function items(): Promise<Record<string, unknown>[]> {
    const { Items } = await stack.doc.send(new ScanCommand({ TableName: stack.tables.subscribers }));
    return Items ?? [];
  }

  async function activeEverywhere(edition: string): Promise<string[]> {
    const emails: string[] = [];
    const pages = await Promise.all(
      Array.from({ length: SUBSCRIBER_SHARDS }, (_, shard) => store.listActive(edition, shard)),
    );
    for (const page of pages) emails.push(...page.items.map((r) => r.email));
    return emails.sort();
  }

  it('saves and reads a subscriber, with its version', async () => {
    await store.save(reader('one@example.com', { name: 'One' }));
    const stored = await store.get('ONE@example.com');
    expect(stored).toMatchObject({ email: 'one@example.com', status: 'active', name: 'One', version: 1 });
  });

  it('lists an active reader in the shard of its address, for each edition it reads, exactly once', async () => {
    await store.save(reader('two@example.com', { editions: ['dc', 'sg'] }));
    const shard = shardOf('two@example.com');
    const page = await store.listActive('sg', shard);
    expect(page.items).toContainEqual({ email: 'two@example.com' });
    expect(await activeEverywhere('sg')).toEqual(['two@example.com']);
    expect((await activeEverywhere('dc')).filter((e) => e === 'two@example.com')).toHaveLength(1);
  });

  it('keeps index entries in step with status and editions', async () => {
    const stored = await store.get('two@example.com');
    if (!stored) throw new Error('missing');
    await store.save({ ...stored, editions: ['sg'] });
    expect(await activeEverywhere('dc')).not.toContain('two@example.com');
    const again = await store.get('two@example.com');
    if (!again) throw new Error('missing');
    await store.save({ ...again, status: 'unsubscribed', editions: [] });
    expect(await activeEverywhere('sg')).not.toContain('two@example.com');
    expect((await items()).filter((i) => i.pk === 'SUB#two@example.com').map((i) => i.sk)).toEqual([
      'PROFILE',
    ]);
  });

  it('repairs an index entry left behind by a crash on the next save', async () => {
    await stack.doc.send(
      new PutCommand({
        TableName: stack.tables.subscribers,
        Item: {
          pk: 'SUB#one@example.com',
          sk: 'ED#bxl',
          gsi1pk: `bxl#${shardOf('one@example.com')}`,
          gsi1sk: 'one@example.com',
          email: 'one@example.com',
        },
      }),
    );
    expect(await activeEverywhere('bxl')).toContain('one@example.com');
    const stored = await store.get('one@example.com');
    if (!stored) throw new Error('missing');
    await store.save(stored);
    expect(await activeEverywhere('bxl')).not.toContain('one@example.com');
  });

  it('refuses to overwrite a newer copy', async () => {
    const first = await store.get('one@example.com');
    const second = await store.get('one@example.com');
    if (!first || !second) throw new Error('missing');
    await store.save({ ...first, name: 'First' });
    await expect(store.save({ ...second, name: 'Second' })).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect((await store.get('one@example.com'))?.name).toBe('First');
    await expect(store.save(reader('one@example.com', { version: 0 }))).rejects.toBeInstanceOf(
      ConcurrentUpdateError,
    );
  });

  it('treats a pending request past its TTL as absent, and lets a new one replace it', async () => {
    await store.save(
      reader('late@example.com', { status: 'pending', expiresAt: '2026-12-08T08:00:00.000Z', version: 0 }),
    );
    expect((await store.get('late@example.com'))?.expiresAt).toBe('2026-12-08T08:00:00.000Z');
    now = new Date('2026-12-09T00:00:00Z');
    expect(await store.get('late@example.com')).toBeUndefined();
    await store.save(reader('late@example.com', { status: 'pending', version: 0 }));
    expect((await store.get('late@example.com'))?.expiresAt).toBeUndefined();
    now = new Date(at);
  });

  it('filters the operator listing by edition and status', async () => {
    await store.save(reader('three@example.com', { editions: ['bxl'] }));
    const all: string[] = [];
    for await (const s of store.list({ edition: 'bxl', status: 'active' })) all.push(s.email);
    expect(all).toEqual(['three@example.com']);
    const unsubscribed: string[] = [];
    for await (const s of store.list({ status: 'unsubscribed' })) unsubscribed.push(s.email);
    expect(unsubscribed).toEqual(['two@example.com']);
  });

  it('forgets a reader completely but for a hashed suppression entry', async () => {
    await store.save(reader('forget-me@example.com', { name: 'Forget Me', editions: ['dc', 'sg'] }));
    expect(await store.forget('forget-me@example.com', new Date(at))).toBe(true);
    expect(await store.get('forget-me@example.com')).toBeUndefined();
    const table = JSON.stringify(await items());
    expect(table).not.toContain('forget-me');
    expect(table).not.toContain('Forget Me');
    expect(table).toContain(suppressionHash('forget-me@example.com'));
    expect(await store.suppression('forget-me@example.com')).toEqual({ reason: 'forgotten', at });
    expect(await store.isSuppressed('forget-me@example.com')).toBe(true);
    expect(await activeEverywhere('sg')).not.toContain('forget-me@example.com');
  });

  it('lets a forgotten reader who left subscribe again, but keeps a bounced one suppressed', async () => {
    await store.save(reader('forget-me@example.com', { version: 0 }));
    expect(await store.isSuppressed('forget-me@example.com')).toBe(false);
    await store.save(reader('bounce@example.com', { status: 'bounced', editions: [] }));
    expect(await store.isSuppressed('bounce@example.com')).toBe(true);
    await store.forget('bounce@example.com', new Date(at));
    expect((await store.suppression('bounce@example.com'))?.reason).toBe('bounced');
    await store.save(reader('bounce@example.com'));
    expect(await store.isSuppressed('bounce@example.com')).toBe(true);
    expect(await store.isSuppressed('never-seen@example.com')).toBe(false);
  });

  it('rejects cursors it did not make and shards out of range', async () => {
    await expect(store.listActive('dc', 0, 'not-a-cursor')).rejects.toThrow(RangeError);
    const foreign = Buffer.from(JSON.stringify({ gsi1pk: 'sg#0', gsi1sk: 'x', pk: 'x', sk: 'x' })).toString(
      'base64url',
    );
    await expect(store.listActive('dc', 0, foreign)).rejects.toThrow(RangeError);
    await expect(store.listActive('dc', SUBSCRIBER_SHARDS)).rejects.toThrow(RangeError);
    await expect(store.listActive('DC; DROP', 0)).rejects.toThrow(RangeError);
  });

  it('spreads addresses over every shard', () => {
    const shards = new Set(Array.from({ length: 400 }, (_, i) => shardOf(`reader${i}@example.com`)));
    expect(shards.size).toBe(SUBSCRIBER_SHARDS);
  });
});
