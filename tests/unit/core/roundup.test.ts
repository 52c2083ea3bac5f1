import { beforeEach, describe, expect, it } from 'vitest';
import { type ComposeDeps, cancelIssue, composeIssue } from '../../../lambdas/core/compose.js';
import type { TidingsConfig } from '../../../lambdas/core/config.js';
import type { DigestInput, RenderedDigest } from '../../../lambdas/core/digest.js';
import type { Issue } from '../../../lambdas/core/issue.js';
import { composeRoundup, dueRoundups, selectRoundup, weekStart } from '../../../lambdas/core/roundup.js';
import type { Rhythm } from '../../../lambdas/core/subscriber.js';
import { testSettings } from '../../support/config.js';
import { MemoryBriefStore } from '../../support/fakes/brief-store.js';
import { ArrayQueue, MemoryIssueStore, MemoryLedgerStore, subscriber } from '../../support/fakes/delivery.js';
import { MemorySubscriberStore } from '../../support/fakes/subscriber-store.js';

const config: TidingsConfig = testSettings({
  issueLimit: 3,
  editions: [
    { id: 'dc', name: 'D.C.', timeZone: 'America/New_York', sendTime: '06:30' },
    { id: 'bxl', name: 'BXL', timeZone: 'Europe/Brussels', sendTime: '07:00' },
  ].map((e) => (e.id === 'bxl' ? { ...e, holdForApproval: true, roundupDay: 'fri' } : e)),
});

// Week 49 of 2026 runs Monday 30 November to Sunday 6 December. 11:30 UTC is 06:30 in New York.
const SATURDAY = new Date('2026-12-05T11:30:00.000Z');
const BEFORE_SEND = new Date('2026-12-05T11:29:00.000Z');
const FRIDAY = new Date('2026-12-04T11:30:00.000Z');
const SUNDAY = new Date('2026-12-06T15:00:00.000Z');
const NEXT_SATURDAY = new Date('2026-12-12T11:30:00.000Z');
/** Monday 00:00 in New York: the week's first instant. */
const MONDAY_START = '2026-11-30T05:00:00.000Z';

describe('the weekly roundup', () => {
  let issues: MemoryIssueStore;
  let briefs: MemoryBriefStore;
  let subscribers: MemorySubscriberStore;
  let queue: ArrayQueue;
  let renders: DigestInput[];
  let deps: ComposeDeps;

  async function addBrief(
    id: string,
    at: string,
    signals = 0,
    more: { updatedAt?: string; topic?: string; editions?: string[] } = {},
  ): Promise<void> {
    const signal = { headline: 'A signal', body: 'Its body', sources: [{ name: 'A source' }] };
    await briefs.upsert(
      {
        id,
        headline: `Story ${id}`,
        topic: more.topic ?? 'policy',
        editions: more.editions ?? ['dc', 'bxl'],
        publishedAt: at,
        updatedAt: more.updatedAt ?? at,
        news: ['Something happened.'],
        signals: Array.from({ length: signals }, () => signal),
      },
      new Date(at),
    );
  }

  const queued = (): string[] =>
    queue
      .take()
      .flatMap((b) => b.recipients.map((r) => `${b.issueId} ${r.email}`))
      .sort();

  async function reader(email: string, rhythm: Rhythm | undefined, editions = ['dc']): Promise<void> {
    await subscribers.save(subscriber(email, editions, rhythm ? { rhythm } : {}));
  }

  /** Renders each request's brief ids, and keeps the request. */
  async function render(request: DigestInput): Promise<RenderedDigest> {
    renders.push(request);
    const ids = request.briefs.map((b) => b.id);
    return { subject: ids.join(' '), preheader: '', html: ids.join(','), text: '', htmlBytes: 1 };
  }

  beforeEach(async () => {
    [issues, briefs, subscribers, queue, renders] = [
      new MemoryIssueStore(),
      new MemoryBriefStore(),
      new MemorySubscriberStore(),
      new ArrayQueue(),
      [],
    ];
    deps = { config, issues, briefs, subscribers, queue, render };
    await reader('weekly@example.com', 'weekly');
    await reader('daily@example.com', 'daily');
    await reader('weekdays@example.com', 'weekdays');
    await reader('default@example.com', undefined);
    await reader('weekly-bxl@example.com', 'weekly', ['bxl']);
  });

  it('is composed on the roundup day at the send time as <edition>-<YYYY>-W<ww>, for weekly readers only', async () => {
    await addBrief('a', '2026-12-01T10:00:00.000Z', 1);
    const result = await composeRoundup(deps, { edition: 'dc', now: SATURDAY });
    expect(result.outcome).toBe('composed');
    expect(result.issueId).toBe('dc-2026-W49');
    const stored = (await issues.get('dc-2026-W49')) as Issue;
    expect(stored).toMatchObject({ kind: 'roundup', state: 'sending', localDate: '2026-12-05' });
    expect(stored.counts.enqueued).toBe(1);
    expect(queued()).toEqual(['dc-2026-W49 weekly@example.com']);
    expect(renders).toHaveLength(1);
    expect(renders[0]).toMatchObject({ issueId: 'dc-2026-W49', kind: 'roundup', localDate: '2026-12-05' });
  });

  it('is not due before the roundup day’s send time, nor early in the next week', async () => {
    await addBrief('a', '2026-12-01T10:00:00.000Z');
    expect((await composeRoundup(deps, { edition: 'dc', now: FRIDAY })).outcome).toBe('not due');
    expect((await composeRoundup(deps, { edition: 'dc', now: BEFORE_SEND })).outcome).toBe('not due');
    expect(
      (await composeRoundup(deps, { edition: 'dc', now: new Date('2026-12-07T15:00:00Z') })).outcome,
    ).toBe('not due');
    expect(await issues.get('dc-2026-W49')).toBeUndefined();
    expect(queue.take()).toEqual([]);
  });

  it('carries the week’s briefs, most signals first then most recent, at most issueLimit, retracted out', async () => {
    await addBrief('last-week', '2026-11-29T10:00:00.000Z', 9); // Sunday before: another week
    await addBrief('monday-midnight', MONDAY_START, 0);
    await addBrief('two-signals', '2026-12-01T10:00:00.000Z', 2);
    await addBrief('two-signals-newer', '2026-12-03T10:00:00.000Z', 2);
    await addBrief('four-signals', '2026-11-30T12:00:00.000Z', 4);
    await addBrief('one-signal', '2026-12-04T10:00:00.000Z', 1);
    await addBrief('retracted', '2026-12-02T10:00:00.000Z', 8);
    await briefs.retract('retracted', new Date('2026-12-02T11:00:00Z'));
    await addBrief('old-but-updated', '2026-11-20T10:00:00.000Z', 3, {
      updatedAt: '2026-12-02T09:00:00.000Z',
    });
    await addBrief('after-cutoff', '2026-12-05T12:00:00.000Z', 10);
    const result = await composeRoundup(deps, { edition: 'dc', now: SATURDAY });
    expect(result.outcome).toBe('composed');
    if (result.outcome !== 'composed') return;
    expect(result.issue.briefIds).toEqual(['four-signals', 'old-but-updated', 'two-signals-newer']);
    expect(result.issue.cutoff).toBe(SATURDAY.toISOString());
  });

  it('is one roundup a week however often it is composed, and the next week gets its own', async () => {
    await addBrief('a', '2026-12-01T10:00:00.000Z');
    expect((await composeRoundup(deps, { edition: 'dc', now: SATURDAY })).outcome).toBe('composed');
    queue.take();
    const again = await composeRoundup(deps, { edition: 'dc', now: SUNDAY });
    expect(again).toMatchObject({ outcome: 'refanout', issueId: 'dc-2026-W49' });
    expect(renders).toHaveLength(1);
    await addBrief('b', '2026-12-08T10:00:00.000Z');
    const next = await composeRoundup(deps, { edition: 'dc', now: NEXT_SATURDAY });
    expect(next).toMatchObject({ outcome: 'composed', issueId: 'dc-2026-W50' });
    if (next.outcome === 'composed') expect(next.issue.briefIds).toEqual(['b']);
    const roundups = (await issues.listByEdition('dc')).filter((i) => i.kind === 'roundup');
    expect(roundups.map((i) => i.id).sort()).toEqual(['dc-2026-W49', 'dc-2026-W50']);
  });

  it('records a skip for a week without briefs, and composes once briefs arrive that week', async () => {
    await addBrief('last-week', '2026-11-28T10:00:00.000Z');
    const skipped = await composeRoundup(deps, { edition: 'dc', now: SATURDAY });
    expect(skipped.outcome).toBe('skipped');
    expect(await issues.get('dc-2026-W49')).toMatchObject({
      state: 'skipped',
      kind: 'roundup',
      skipReason: `no briefs this week (since ${MONDAY_START})`,
    });
    expect(queue.take()).toEqual([]);
    await addBrief('late', '2026-12-06T10:00:00.000Z');
    expect((await composeRoundup(deps, { edition: 'dc', now: SUNDAY })).outcome).toBe('composed');
    expect(queued()).toEqual(['dc-2026-W49 weekly@example.com']);
  });

  it('is due for a run until it is stored this week, and again while it is a skip', async () => {
    const due = async (now: Date): Promise<string[]> =>
      (await dueRoundups(config, issues, now)).map((e) => e.id);
    expect(await due(new Date('2026-12-04T05:59:00Z'))).toEqual([]); // Friday 06:59 in Brussels
    expect(await due(FRIDAY)).toEqual(['bxl']); // bxl's roundup day is Friday
    expect(await due(SATURDAY)).toEqual(['dc', 'bxl']);
    await composeRoundup(deps, { edition: 'dc', now: SATURDAY }); // no briefs: a skip
    expect(await due(SATURDAY)).toEqual(['dc', 'bxl']);
    await addBrief('a', '2026-12-01T10:00:00.000Z');
    await composeRoundup(deps, { edition: 'dc', now: SATURDAY });
    expect(await due(SUNDAY)).toEqual(['bxl']);
    expect(await due(NEXT_SATURDAY)).toEqual(['dc', 'bxl']);
  });

  it('is held for approval on an edition that holds its issues, on its own roundup day', async () => {
    await addBrief('a', '2026-12-01T10:00:00.000Z');
    // 07:00 in Brussels on Friday 4 December is 06:00 UTC.
    const result = await composeRoundup(deps, { edition: 'bxl', now: new Date('2026-12-04T06:00:00Z') });
    expect(result).toMatchObject({ outcome: 'held', issueId: 'bxl-2026-W49', enqueued: 0 });
    expect(queue.take()).toEqual([]);
  });

  it('is no daily issue’s previous one: the next daily starts from the last daily', async () => {
    // Friday's daily, then Saturday's roundup; Saturday's daily then carries what came after Friday's.
    await addBrief('thursday', '2026-12-03T10:00:00.000Z');
    await composeIssue(deps, { edition: 'dc', now: FRIDAY });
    await addBrief('friday-noon', '2026-12-04T17:00:00.000Z');
    await composeRoundup(deps, { edition: 'dc', now: SATURDAY });
    const saturday = await composeIssue(deps, { edition: 'dc', now: new Date('2026-12-05T12:00:00Z') });
    expect(saturday.issue.briefIds).toEqual(['friday-noon']);
  });

  it('is cancelled for its weekly readers only', async () => {
    await addBrief('a', '2026-12-01T10:00:00.000Z');
    await composeRoundup(deps, { edition: 'bxl', now: new Date('2026-12-04T06:00:00Z') });
    await reader('daily-bxl@example.com', 'daily', ['bxl']);
    const ledger = new MemoryLedgerStore();
    const { recorded } = await cancelIssue(
      { config, issues, ledger, subscribers, queue },
      'bxl-2026-W49',
      SATURDAY,
    );
    expect(recorded).toBe(1);
    expect((await ledger.get('bxl-2026-W49', 'weekly-bxl@example.com'))?.state).toBe('cancelled');
  });
});

describe('the roundup’s week', () => {
  it('starts on Monday 00:00 in the edition’s zone', () => {
    expect(weekStart({ timeZone: 'America/New_York' }, SATURDAY).toISOString()).toBe(MONDAY_START);
    expect(weekStart({ timeZone: 'Asia/Singapore' }, SATURDAY).toISOString()).toBe(
      '2026-11-29T16:00:00.000Z',
    );
  });

  it('selects by last change within the week, each brief once', () => {
    const brief = (id: string, publishedAt: string, updatedAt = publishedAt) =>
      ({ id, publishedAt, updatedAt, signals: [], topic: 't' }) as never;
    const window = { from: new Date(MONDAY_START), until: SATURDAY };
    const picked = selectRoundup(
      [
        brief('in', '2026-12-01T00:00:00.000Z'),
        brief('in', '2026-12-01T00:00:00.000Z'),
        brief('before', '2026-11-30T04:59:59.999Z'),
        brief('edge', MONDAY_START),
        brief('later', '2026-12-05T11:30:00.001Z'),
      ],
      window,
      10,
    );
    expect(picked.map((b: { id: string }) => b.id)).toEqual(['in', 'edge']);
  });
});
