import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoBriefStore } from '../../lambdas/adapters/dynamo-brief-store.js';
import { type Brief, type BriefInput, BriefSchema } from '../../lambdas/core/brief.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const NOW = new Date('2026-11-30T06:00:00Z');

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

  it('lets a newer copy written between its read and its write win, edition listing included', async () => {
    const other = new DynamoBriefStore(stack.doc, stack.tables.briefs);
    const racing = new DynamoBriefStore(stack.doc, stack.tables.briefs);
    // This writer read before the other one wrote: it believes the brief is new.
    racing.getMany = async () => new Map();
    await other.upsert(
      brief('s5', { editions: ['sg'], headline: 'Newer', updatedAt: '2026-11-29T12:00:00Z' }),
      NOW,
    );
    expect(await racing.upsertMany([brief('s5', { editions: ['sg'], headline: 'Older' })], NOW)).toEqual([
      'unchanged',
    ]);
    expect((await store.get('s5'))?.headline).toBe('Newer');
    const listed = (await store.listByEdition('sg')).items.find((b) => b.id === 's5');
    expect(listed?.headline).toBe('Newer');
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
