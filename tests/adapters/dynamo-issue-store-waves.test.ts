import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoIssueStore } from '../../lambdas/adapters/dynamo-issue-store.js';
import type { Issue, IssueWaves } from '../../lambdas/core/issue.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/** The issue store's conditional update of an issue's waves, on dynalite. */
describe('DynamoIssueStore waves', () => {
  let stack: TestStack;
  let issues: DynamoIssueStore;
  beforeAll(async () => {
    stack = await startTestStack();
    issues = new DynamoIssueStore(stack.doc, stack.tables.issues);
  });
  afterAll(async () => {
    await stack?.close();
  });

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
    id: 'dc-2026-11-30',
    edition: 'dc',
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
    expect(await issues.updateWaves('dc-2026-01-01', waves(1, 'sent'), issue.counts, 0, at)).toBe(false);
  });
});
