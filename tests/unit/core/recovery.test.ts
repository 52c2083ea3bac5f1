import { describe, expect, it } from 'vitest';
import type { Issue, LedgerEntry } from '../../../lambdas/core/issue.js';
import type { SendBatch } from '../../../lambdas/core/ports.js';
import { resumeSending, sendingProgress } from '../../../lambdas/core/recovery.js';
import { MemoryIssueStore, MemoryLedgerStore, subscriber } from '../../support/fakes/delivery.js';
import { MemorySubscriberStore } from '../../support/fakes/subscriber-store.js';

const NOW = new Date('2026-11-30T12:00:00.000Z');
const LEASE = 180_000;
const READERS = ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com'];

function issue(id: string, overrides: Partial<Issue> = {}): Issue {
  return {
    id,
    edition: 'sg',
    localDate: id.slice(3),
    state: 'sending',
    cutoff: '2026-11-30T10:00:00.000Z',
    briefIds: ['b1'],
    briefs: [],
    subject: 's',
    html: '<p>x</p>',
    text: 'x',
    counts: { enqueued: READERS.length, fanouts: 1 },
    createdAt: '2026-11-30T10:00:00.000Z',
    updatedAt: '2026-11-30T10:00:00.000Z',
    ...overrides,
  };
}

const row = (
  issueId: string,
  email: string,
  state: LedgerEntry['state'],
  at = '2026-11-30T10:01:00.000Z',
) => ({
  issueId,
  email,
  state,
  updatedAt: at,
  claimedAt: at,
  expiresAt: 2_000_000_000,
  ...(state === 'claimed' ? { claimToken: 't' } : {}),
});

async function setup(): Promise<{
  issues: MemoryIssueStore;
  ledger: MemoryLedgerStore;
  queued: SendBatch[];
  deps: Parameters<typeof resumeSending>[0];
}> {
  const issues = new MemoryIssueStore();
  const ledger = new MemoryLedgerStore();
  const subscribers = new MemorySubscriberStore();
  for (const email of READERS) await subscribers.save(subscriber(email, ['sg']));
  const queued: SendBatch[] = [];
  const queue = {
    async enqueue(batches: readonly SendBatch[]): Promise<void> {
      queued.push(...batches);
    },
  };
  return { issues, ledger, queued, deps: { issues, ledger, subscribers, queue } };
}

describe('resumeSending', () => {
  it('queues again only the readers with no row or an open claim, keeping the rendered issue', async () => {
    const { issues, ledger, queued, deps } = await setup();
    await issues.create(issue('sg-2026-11-29'));
    await ledger.create(row('sg-2026-11-29', 'a@example.com', 'sent'));
    await ledger.create(row('sg-2026-11-29', 'b@example.com', 'unknown'));
    await ledger.create(row('sg-2026-11-29', 'c@example.com', 'claimed'));
    const resumed = await resumeSending(deps, 'sg', NOW, { quietMs: LEASE });
    expect(resumed).toEqual([{ issueId: 'sg-2026-11-29', requeued: 2 }]);
    expect(queued.flatMap((b) => b.recipients.map((r) => r.email)).sort()).toEqual([
      'c@example.com',
      'd@example.com',
    ]);
    expect((await issues.get('sg-2026-11-29'))?.html).toBe('<p>x</p>');
  });

  it('leaves alone an issue that is still moving and one it was told to skip; a settled one only needs completing', async () => {
    const { issues, ledger, queued, deps } = await setup();
    await issues.create(issue('sg-2026-11-28'));
    await ledger.create(row('sg-2026-11-28', 'a@example.com', 'sent', '2026-11-30T11:59:00.000Z'));
    await issues.create(issue('sg-2026-11-29'));
    await issues.create(issue('sg-2026-11-27', { counts: { enqueued: 1, fanouts: 1 } }));
    await ledger.create(row('sg-2026-11-27', 'a@example.com', 'sent'));
    await issues.create(issue('sg-2026-11-26', { state: 'sent' }));
    expect(await resumeSending(deps, 'sg', NOW, { quietMs: LEASE, except: 'sg-2026-11-29' })).toEqual([
      { issueId: 'sg-2026-11-27', requeued: 0 },
    ]);
    expect(queued).toHaveLength(0);
  });

  it('fans out an issue whose fan-out never finished, whatever its count says', async () => {
    const { issues, queued, deps } = await setup();
    await issues.create(issue('sg-2026-11-29', { counts: { enqueued: 0, fanouts: 0 } }));
    expect(await resumeSending(deps, 'sg', NOW, { quietMs: 0 })).toEqual([
      { issueId: 'sg-2026-11-29', requeued: 4 },
    ]);
    expect(queued.flatMap((b) => b.recipients)).toHaveLength(4);
  });
});

describe('sendingProgress', () => {
  it('calls a send interrupted when readers remain and nothing happened for a lease', () => {
    const rows = [
      row('x', 'a@example.com', 'sent'),
      row('x', 'b@example.com', 'claimed'),
      row('x', 'c@example.com', 'claimed', '2026-11-30T11:59:00.000Z'),
    ];
    const stale = sendingProgress(issue('x'), rows.slice(0, 2), NOW, LEASE);
    expect(stale).toMatchObject({ settled: 1, claims: 1, staleClaims: 1, noRow: 2, interrupted: true });
    const moving = sendingProgress(issue('x'), rows, NOW, LEASE);
    expect(moving).toMatchObject({ claims: 2, staleClaims: 1, interrupted: false });
    expect(sendingProgress(issue('x', { state: 'sent' }), rows.slice(0, 2), NOW, LEASE).interrupted).toBe(
      false,
    );
  });
});
