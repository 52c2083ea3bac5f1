import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoBriefStore } from '../../lambdas/adapters/dynamo-brief-store.js';
import { type Brief, type BriefInput, BriefSchema } from '../../lambdas/core/brief.js';
import type { UpsertOutcome } from '../../lambdas/core/ports.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const NOW = new Date('2026-11-30T06:00:00Z');
/** Short waits for the contention tests. */
const FAST = { contentionWaitMs: 300, contentionPollMs: 5 };

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A doc client that runs `before` ahead of every command it sends. */
function intercept(
  doc: DynamoDBDocumentClient,
  before: (command: { constructor: { name: string }; input?: unknown }) => unknown,
): DynamoDBDocumentClient {
  const wrapped = Object.create(doc) as DynamoDBDocumentClient;
  wrapped.send = (async (command: { constructor: { name: string } }, ...rest: unknown[]) => {
    await before(command);
    return (doc.send as (...args: unknown[]) => unknown)(command, ...rest);
  }) as DynamoDBDocumentClient['send'];
  return wrapped;
}

function isIntentQuery(command: { constructor: { name: string }; input?: unknown }): boolean {
  const values = (command.input as { ExpressionAttributeValues?: Record<string, unknown> } | undefined)
    ?.ExpressionAttributeValues;
  return command.constructor.name === 'QueryCommand' && values?.[':p'] === 'ingest#intents';
}

function brief(id: string, extra: Partial<BriefInput> = {}): Brief {
  return BriefSchema.parse({
    id,
    headline: `Headline ${id}`,
    topic: 'trade',
    editions: ['dc'],
    publishedAt: '2026-11-29T08:00:00Z',
    updatedAt: '2026-11-29T08:00:00Z',
    news: ['Text.'],
    ...extra,
  });
}

describe('DynamoBriefStore', () => {
  let stack: TestStack;
  let store: DynamoBriefStore;

  beforeAll(async () => {
    stack = await startTestStack();
    store = new DynamoBriefStore(stack.doc, stack.tables.briefs);
  });

  afterAll(async () => {
    await stack.close();
  });

  it('reports new, unchanged and updated, and never lets an older copy win', async () => {
    expect(await store.upsert(brief('s1'), NOW)).toBe('new');
    expect(await store.upsert(brief('s1'), NOW)).toBe('unchanged');
    expect(await store.upsert(brief('s1', { headline: 'Changed' }), NOW)).toBe('updated');
    const newer = brief('s1', { headline: 'Newer', updatedAt: '2026-11-29T10:00:00Z' });
    expect(await store.upsert(newer, NOW)).toBe('updated');
    expect(await store.upsert(brief('s1', { headline: 'Older' }), NOW)).toBe('unchanged');
    const stored = await store.get('s1');
    expect(stored).toMatchObject({ headline: 'Newer', updatedAt: '2026-11-29T10:00:00.000Z' });
    expect(stored?.contentHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Object.keys(stored ?? {})).not.toContain('pk');
  });

  it('removes optional fields a newer copy no longer has', async () => {
    await store.upsert(brief('s2', { dek: 'A dek', url: 'https://a.example/' }), NOW);
    await store.upsert(brief('s2', { updatedAt: '2026-11-29T09:00:00Z' }), NOW);
    const stored = await store.get('s2');
    expect(stored?.dek).toBeUndefined();
    expect(stored?.url).toBeUndefined();
  });

  it('keeps edition listings in step with the editions of the brief', async () => {
    await store.upsert(brief('s3', { editions: ['bxl', 'lagos'] }), NOW);
    expect((await store.listByEdition('lagos')).items.map((b) => b.id)).toEqual(['s3']);
    await store.upsert(brief('s3', { editions: ['bxl'], updatedAt: '2026-11-29T09:00:00Z' }), NOW);
    expect((await store.listByEdition('lagos')).items).toEqual([]);
    expect((await store.listByEdition('bxl')).items.map((b) => [b.id, b.updatedAt])).toEqual([
      ['s3', '2026-11-29T09:00:00.000Z'],
    ]);
  });

  it('retracts: the brief stays stored, marked, and out of edition listings, even when ingested again', async () => {
    await store.upsert(brief('s4', { editions: ['riyadh'] }), NOW);
    expect(await store.retract('s4', NOW)).toBe(true);
    expect(await store.retract('missing', NOW)).toBe(false);
    await store.upsert(brief('s4', { editions: ['riyadh'], updatedAt: '2026-11-29T11:00:00Z' }), NOW);
    expect((await store.get('s4'))?.retracted).toBe(true);
    expect((await store.listByEdition('riyadh')).items).toEqual([]);
  });

  it('reads many briefs at once, beyond one batch of 100', async () => {
    const many = Array.from({ length: 130 }, (_, i) => brief(`m${i}`, { editions: ['beijing'] }));
    expect(new Set(await store.upsertMany(many, NOW))).toEqual(new Set(['new']));
    const found = await store.getMany([...many.map((b) => b.id), 'absent']);
    expect(found.size).toBe(130);
    const listed: string[] = [];
    for await (const b of store.listAll({ edition: 'beijing' })) listed.push(b.id);
    expect(listed).toHaveLength(130);
  });

  /**
   * Two overlapping upserts of one new brief: the first is held just before its batch write
   * until the second has finished or is waiting for it (its second look at the intents).
   */
  async function interleave(
    id: string,
    first: 'older' | 'newer',
  ): Promise<{ older: UpsertOutcome[]; newer: UpsertOutcome[] }> {
    const copies = {
      older: brief(id, { editions: ['sg'], headline: 'Older' }),
      newer: brief(id, { editions: ['sg'], headline: 'Newer', updatedAt: '2026-11-29T12:00:00Z' }),
    };
    const gate = deferred();
    const held = deferred();
    const heldStore = new DynamoBriefStore(
      intercept(stack.doc, async (command) => {
        if (command.constructor.name === 'BatchWriteCommand') {
          held.resolve();
          await gate.promise;
        }
      }),
      stack.tables.briefs,
      FAST,
    );
    let intentLooks = 0;
    const secondStore = new DynamoBriefStore(
      intercept(stack.doc, (command) => {
        if (isIntentQuery(command) && ++intentLooks === 2) gate.resolve();
      }),
      stack.tables.briefs,
      FAST,
    );
    const second = first === 'older' ? 'newer' : 'older';
    const firstWrite = heldStore.upsertMany([copies[first]], NOW);
    await held.promise;
    const secondWrite = secondStore.upsertMany([copies[second]], NOW).finally(() => gate.resolve());
    const outcomes = { [first]: await firstWrite, [second]: await secondWrite };
    return outcomes as { older: UpsertOutcome[]; newer: UpsertOutcome[] };
  }

  async function expectNewerKept(id: string): Promise<void> {
    expect((await store.get(id))?.headline).toBe('Newer');
    const listed = (await store.listByEdition('sg')).items.find((b) => b.id === id);
    expect(listed?.headline).toBe('Newer');
  }

  it('lets a newer copy written while an older one is being batch-written win, edition listing included', async () => {
    expect(await interleave('s5', 'older')).toEqual({ older: ['new'], newer: ['updated'] });
    await expectNewerKept('s5');
  });

  it('keeps a newer copy that is batch-written while an older one is upserted', async () => {
    expect(await interleave('s6', 'newer')).toEqual({ newer: ['new'], older: ['unchanged'] });
    await expectNewerKept('s6');
  });

  it('writes nothing of a brief that a crashed writer still names, and ignores its intent once expired', async () => {
    const leftover = {
      pk: 'ingest#intents',
      sk: '2026-11-30T05:59:00.000Z#crashed',
      ids: ['s7'],
      phase: 'batch',
      expiresAt: Date.now() + 60_000,
    };
    await stack.doc.send(new PutCommand({ TableName: stack.tables.briefs, Item: leftover }));
    const waiting = new DynamoBriefStore(stack.doc, stack.tables.briefs, FAST);
    await expect(waiting.upsertMany([brief('s7'), brief('s8')], NOW)).rejects.toThrow(
      expect.objectContaining({
        name: 'BriefWriteContendedError',
        kind: 'conflict',
        message: expect.stringMatching(/briefs s7 are being written by another ingest .*crashed/),
      }),
    );
    expect(await store.get('s7')).toBeUndefined();
    await stack.doc.send(
      new PutCommand({ TableName: stack.tables.briefs, Item: { ...leftover, expiresAt: Date.now() - 1 } }),
    );
    expect(await waiting.upsertMany([brief('s7')], NOW)).toEqual(['new']);
    const { Items = [] } = await stack.doc.send(
      new QueryCommand({
        TableName: stack.tables.briefs,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': 'ingest#intents' },
      }),
    );
    expect(Items).toEqual([]); // its own intent deleted, the expired one cleared
  });

  it('writes nothing at all when every brief is unchanged', async () => {
    const briefs = [brief('s9'), brief('s10')];
    await store.upsertMany(briefs, NOW);
    let writes = 0;
    const counting = new DynamoBriefStore(
      intercept(stack.doc, (command) => {
        if (!/^(Get|BatchGet|Query)/.test(command.constructor.name)) writes++;
      }),
      stack.tables.briefs,
    );
    expect(await counting.upsertMany(briefs, NOW)).toEqual(['unchanged', 'unchanged']);
    expect(writes).toBe(0);
  });

  it('keeps source state', async () => {
    expect(await store.getSourceState('desk')).toBeUndefined();
    await store.putSourceState('desk', { etag: '"v1"', configHash: 'h' });
    expect(await store.getSourceState('desk')).toEqual({ etag: '"v1"', configHash: 'h' });
  });

  it('refuses a cursor it did not make', async () => {
    await expect(store.listByEdition('dc', { cursor: 'not-a-cursor' })).rejects.toThrow(/invalid cursor/);
  });
});

describe('DynamoBriefStore faults', () => {
  it('passes a throttling error on to the caller', async () => {
    const doc = mockClient(DynamoDBDocumentClient);
    doc
      .on(BatchGetCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    const store = new DynamoBriefStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
      't',
    );
    await expect(store.upsertMany([brief('x')], NOW)).rejects.toThrow(/slow down/);
    doc.restore();
  });
});
