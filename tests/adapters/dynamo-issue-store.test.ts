import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoIssueStore, issueKey } from '../../lambdas/adapters/dynamo-issue-store.js';
import type { Issue, IssueWaves } from '../../lambdas/core/issue.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let issues: DynamoIssueStore;

beforeAll(async () => {
  stack = await startTestStack();
  issues = new DynamoIssueStore(stack.doc, stack.tables.issues);
});
afterAll(async () => {
  await stack?.close();
});

function issue(edition: string, localDate: string, overrides: Partial<Issue> = {}): Issue {
  return {
    id: `${edition}-${localDate}`,
    edition,
    localDate,
    state: 'sending',
    cutoff: `${localDate}T11:30:00.000Z`,
    briefIds: ['a', 'b'],
    briefs: [{ id: 'a', headline: 'A', publishedAt: 'p', updatedAt: 'u', updated: false }],
    subject: 'Subject',
    html: `<html>${'x'.repeat(80_000)}</html>`,
    text: 'text',
    counts: { enqueued: 0, fanouts: 0 },
    createdAt: `${localDate}T11:30:00.000Z`,
    updatedAt: `${localDate}T11:30:00.000Z`,
    ...overrides,
  };
}

describe('DynamoIssueStore', () => {
  it('keeps the rendering out of the record the sender reads for every reader', async () => {
    const stored = issue('riyadh', '2026-11-30');
    await issues.create(stored);
    const { Item, ConsumedCapacity } = await stack.doc.send(
      new GetCommand({
        TableName: stack.tables.issues,
        Key: issueKey(stored.id),
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    expect(Item?.state).toBe('sending');
    expect(Item?.html).toBeUndefined();
    expect(ConsumedCapacity?.CapacityUnits).toBe(1);
    // A fresh store (a new worker) still gets the whole issue back.
    const fresh = new DynamoIssueStore(stack.doc, stack.tables.issues);
    expect((await fresh.get(stored.id))?.html).toBe(stored.html);
    // Listings carry the record only: reading 20 issues must not read 20 renderings.
    const [listed] = await fresh.listByEdition('riyadh');
    expect(listed?.id).toBe(stored.id);
    expect(listed?.html).toBeUndefined();
    expect((await fresh.get(stored.id))?.text).toBe(stored.text);
  });

  it('points a replaced issue with new content at the new content', async () => {
    const first = issue('beijing', '2026-11-30', { state: 'skipped', html: '<p>old</p>' });
    await issues.create(first);
    const second = { ...first, state: 'sending' as const, html: '<p>new</p>' };
    expect(await issues.replace(second, ['skipped'])).toEqual(second);
    const fresh = new DynamoIssueStore(stack.doc, stack.tables.issues);
    expect((await fresh.get(first.id))?.html).toBe('<p>new</p>');
  });

  it('round-trips an issue with an 80 KB rendering', async () => {
    const stored = issue('dc', '2026-11-30');
    expect(await issues.create(stored)).toBe(true);
    expect(await issues.get(stored.id)).toEqual(stored);
  });

  it('creates an issue only once', async () => {
    const first = issue('dc', '2026-12-01');
    expect(await issues.create(first)).toBe(true);
    expect(await issues.create({ ...first, subject: 'Second' })).toBe(false);
    expect((await issues.get(first.id))?.subject).toBe('Subject');
  });

  it('reads the state alone', async () => {
    await issues.create(issue('dc', '2026-12-02', { state: 'held' }));
    expect(await issues.getState('dc-2026-12-02')).toBe('held');
    expect(await issues.getState('dc-1999-01-01')).toBeUndefined();
  });

  it('replaces only from the expected states', async () => {
    const held = issue('bxl', '2026-11-30', { state: 'held' });
    await issues.create(held);
    expect(await issues.replace({ ...held, state: 'cancelled' }, ['sending'])).toBeUndefined();
    expect(await issues.replace({ ...held, state: 'sending' }, ['held'])).toMatchObject({ state: 'sending' });
    expect(await issues.replace({ ...held, state: 'cancelled' }, [])).toBeUndefined();
    expect(await issues.getState(held.id)).toBe('sending');
  });

  it('lets one of two racing transitions win', async () => {
    const held = issue('bxl', '2026-12-01', { state: 'held' });
    await issues.create(held);
    const [a, b] = await Promise.all([
      issues.replace({ ...held, state: 'sending' }, ['held']),
      issues.replace({ ...held, state: 'cancelled' }, ['held']),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
  });

  it("lists an edition's issues newest first, up to a limit, and no other edition's", async () => {
    for (const date of ['2026-10-01', '2026-10-03', '2026-10-02']) await issues.create(issue('sg', date));
    await issues.create(issue('lagos', '2026-10-04'));
    const listed = await issues.listByEdition('sg', { limit: 2 });
    expect(listed.map((i) => i.id)).toEqual(['sg-2026-10-03', 'sg-2026-10-02']);
    expect((await issues.listByEdition('sg')).every((i) => i.edition === 'sg')).toBe(true);
  });
});

/** The issue store's conditional update of an issue's waves. */
describe('DynamoIssueStore waves', () => {
  const waves = (revision: number, state: 'pending' | 'sent'): IssueWaves => ({
    home: 'America/New_York',
    from: '2026-11-30T12:00:00.000Z',
    revision,
    zones: {
      'America/New_York': { dueAt: '2026-11-30T12:00:00.000Z', state: 'sent', enqueued: 2 },
      'Asia/Kolkata': { dueAt: '2026-12-01T01:30:00.000Z', state, enqueued: state === 'sent' ? 3 : 0 },
    },
  });
  const issue: Issue = {
    id: 'waves-2026-11-30',
    edition: 'waves',
    localDate: '2026-11-30',
    state: 'sending',
    cutoff: '2026-11-30T12:00:00.000Z',
    briefIds: ['a'],
    briefs: [],
    html: '<p>x</p>',
    text: 'x',
    counts: { enqueued: 2, fanouts: 1 },
    createdAt: '2026-11-30T12:00:00.000Z',
    updatedAt: '2026-11-30T12:00:00.000Z',
    waves: waves(0, 'pending'),
  };

  it('stores waves and counts over the revision read, and refuses a stale revision or an issue no longer sending', async () => {
    await issues.create(issue);
    const at = '2026-12-01T01:30:00.000Z';
    expect(await issues.updateWaves(issue.id, waves(1, 'sent'), { enqueued: 5, fanouts: 2 }, 0, at)).toBe(
      true,
    );
    const stored = await issues.get(issue.id);
    expect(stored?.waves).toEqual(waves(1, 'sent'));
    expect(stored).toMatchObject({ counts: { enqueued: 5, fanouts: 2 }, updatedAt: at, html: '<p>x</p>' });
    // A second sweep that read revision 0 loses.
    expect(await issues.updateWaves(issue.id, waves(1, 'sent'), { enqueued: 8, fanouts: 2 }, 0, at)).toBe(
      false,
    );
    expect((await issues.get(issue.id))?.counts.enqueued).toBe(5);
    // Cancelled in between: nothing written.
    const current = (await issues.get(issue.id)) as Issue;
    await issues.replace({ ...current, state: 'cancelled' }, ['sending']);
    expect(await issues.updateWaves(issue.id, waves(2, 'sent'), { enqueued: 9, fanouts: 3 }, 1, at)).toBe(
      false,
    );
    expect((await issues.get(issue.id))?.waves?.revision).toBe(1);
    expect(await issues.updateWaves('waves-2026-01-01', waves(1, 'sent'), issue.counts, 0, at)).toBe(false);
  });
});
