import { beforeEach, describe, expect, it } from 'vitest';
import {
  approveIssue,
  type ComposeDeps,
  cancelIssue,
  composeIssue,
  IssueTooLargeError,
  UnknownEditionError,
} from '../../../lambdas/core/compose.js';
import { parseConfig, type TidingsConfig } from '../../../lambdas/core/config.js';
import type { DigestInput } from '../../../lambdas/core/digest.js';
import { IssueNotFoundError, IssueStateError } from '../../../lambdas/core/issue.js';
import { MemoryBriefStore } from '../../support/fakes/brief-store.js';
import { ArrayQueue, MemoryIssueStore, MemoryLedgerStore, subscriber } from '../../support/fakes/delivery.js';
import { MemorySubscriberStore } from '../../support/fakes/subscriber-store.js';

const config: TidingsConfig = parseConfig({
  stage: 'test',
  baseUrl: 'http://127.0.0.1:3000',
  sender: { address: 'digest@tidings.example', name: 'Tidings', domain: 'tidings.example' },
  postalAddress: '1 Example Street, Springfield',
  issueLimit: 3,
  editions: [
    { id: 'dc', name: 'D.C.', timeZone: 'America/New_York', sendTime: '06:30' },
    { id: 'bxl', name: 'BXL', timeZone: 'Europe/Brussels', sendTime: '07:00', holdForApproval: true },
  ],
});

// 11:30 UTC is 06:30 in New York and 12:30 in Brussels on 30 November 2026.
const MONDAY = new Date('2026-11-30T11:30:00.000Z');
const LATER_MONDAY = new Date('2026-11-30T15:00:00.000Z');
const TUESDAY = new Date('2026-12-01T11:30:00.000Z');

describe('composeIssue', () => {
  let issues: MemoryIssueStore;
  let briefs: MemoryBriefStore;
  let subscribers: MemorySubscriberStore;
  let queue: ArrayQueue;
  let renders: DigestInput[];
  let deps: ComposeDeps;

  async function addBrief(id: string, at: string, editions = ['dc', 'bxl'], updatedAt = at): Promise<void> {
    await briefs.upsert(
      {
        id,
        headline: `Story ${id}`,
        topic: 'policy',
        editions,
        publishedAt: at,
        updatedAt,
        news: ['Something happened.'],
        signals: [],
      },
      new Date(at),
    );
  }

  const queued = (): string[] => queue.take().flatMap((b) => b.recipients.map((r) => r.email));

  beforeEach(async () => {
    issues = new MemoryIssueStore();
    briefs = new MemoryBriefStore();
    subscribers = new MemorySubscriberStore();
    queue = new ArrayQueue();
    renders = [];
    deps = {
      config,
      issues,
      briefs,
      subscribers,
      queue,
      batchSize: 2,
      render: async (request) => {
        renders.push(request);
        return {
          subject: `Tidings ${request.edition.name}: ${request.briefs[0]?.headline}`,
          preheader: 'p',
          html: `<p>${request.briefs.map((b) => b.id).join(',')}</p>`,
          text: 'text',
          htmlBytes: 10,
        };
      },
    };
    for (let i = 0; i < 7; i++) await subscribers.save(subscriber(`reader${i}@example.com`, ['dc']));
    await subscribers.save(subscriber('gone@example.com', ['dc'], { status: 'unsubscribed' }));
    await subscribers.save(subscriber('elsewhere@example.com', ['bxl']));
  });

  it('stores the issue under <edition>-<local date>, renders once and queues every active reader in batches', async () => {
    await addBrief('a', '2026-11-29T10:00:00.000Z');
    const result = await composeIssue(deps, { edition: 'dc', now: MONDAY });
    expect(result).toMatchObject({ issueId: 'dc-2026-11-30', outcome: 'composed', enqueued: 7 });
    expect(renders).toHaveLength(1);
    expect(queue.batches.every((b) => b.recipients.length <= 2)).toBe(true);
    expect(queued().sort()).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `reader${i}@example.com`));
    const stored = await issues.get('dc-2026-11-30');
    expect(stored).toMatchObject({ state: 'sending', briefIds: ['a'], cutoff: MONDAY.toISOString() });
    expect(stored?.counts).toEqual({ enqueued: 7, fanouts: 1 });
  });

  it('packs readers of every shard into full messages, ten messages to a queue request', async () => {
    // 7 readers spread over the shards, then 20 more: 27 readers in messages of 2.
    for (let i = 7; i < 27; i++) await subscribers.save(subscriber(`reader${i}@example.com`, ['dc']));
    const requests: number[] = [];
    const enqueue = queue.enqueue.bind(queue);
    queue.enqueue = async (batches) => {
      requests.push(batches.length);
      await enqueue(batches);
    };
    await addBrief('a', '2026-11-29T10:00:00.000Z');
    await composeIssue(deps, { edition: 'dc', now: MONDAY });
    // 13 full messages and one of 1, however the 16 shards split the readers.
    expect(queue.batches.map((b) => b.recipients.length).sort()).toEqual([...Array(13).fill(2), 1].sort());
    expect(requests).toEqual([10, 4]);
    expect(new Set(queued()).size).toBe(27);
  });

  it('uses the edition’s local date, not the UTC date', async () => {
    await addBrief('a', '2026-11-29T10:00:00.000Z');
    const result = await composeIssue(deps, { edition: 'dc', now: new Date('2026-12-01T03:00:00.000Z') });
    expect(result.issueId).toBe('dc-2026-11-30');
  });

  it('makes no second issue when run twice in a day, and fans out again for readers added since', async () => {
    await addBrief('a', '2026-11-29T10:00:00.000Z');
    await composeIssue(deps, { edition: 'dc', now: MONDAY });
    queue.take();
    await addBrief('b', '2026-11-30T13:00:00.000Z');
    await subscribers.save(subscriber('newcomer@example.com', ['dc']));
    const again = await composeIssue(deps, { edition: 'dc', now: LATER_MONDAY });
    expect(again.outcome).toBe('refanout');
    expect(renders).toHaveLength(1);
    expect((await issues.get('dc-2026-11-30'))?.briefIds).toEqual(['a']);
    expect(queued()).toContain('newcomer@example.com');
    expect(issues.items.size).toBe(1);
  });

  it("carries only what changed since the previous issue's cutoff, flagging updates", async () => {
    await addBrief('old', '2026-11-29T10:00:00.000Z');
    await composeIssue(deps, { edition: 'dc', now: MONDAY });
    await addBrief('old', '2026-11-29T10:00:00.000Z', ['dc', 'bxl'], '2026-11-30T20:00:00.000Z');
    await addBrief('new', '2026-12-01T08:00:00.000Z');
    const tuesday = await composeIssue(deps, { edition: 'dc', now: TUESDAY });
    expect(tuesday.issue.briefs.map((b) => [b.id, b.updated])).toEqual([
      ['new', false],
      ['old', true],
    ]);
  });

  it('records a skip and queues nothing when nothing is new', async () => {
    await addBrief('a', '2026-11-29T10:00:00.000Z');
    await composeIssue(deps, { edition: 'dc', now: MONDAY });
    queue.take();
    const tuesday = await composeIssue(deps, { edition: 'dc', now: TUESDAY });
    expect(tuesday.outcome).toBe('skipped');
    expect(queue.batches).toHaveLength(0);
    expect(await issues.get('dc-2026-12-01')).toMatchObject({
      state: 'skipped',
      skipReason: expect.stringContaining('no briefs'),
    });
  });

  it('composes a skipped day later that day once briefs arrive, from the last issue that went out', async () => {
    await addBrief('a', '2026-11-29T10:00:00.000Z');
    await composeIssue(deps, { edition: 'dc', now: MONDAY });
    await composeIssue(deps, { edition: 'dc', now: TUESDAY });
    await addBrief('b', '2026-12-01T12:00:00.000Z');
    const retry = await composeIssue(deps, { edition: 'dc', now: new Date('2026-12-01T13:00:00.000Z') });
    expect(retry.outcome).toBe('composed');
    expect(retry.issue.briefIds).toEqual(['b']);
  });

  it('records a first issue with no briefs at all as skipped', async () => {
    const result = await composeIssue(deps, { edition: 'dc', now: MONDAY });
    expect(result.outcome).toBe('skipped');
    expect(result.issue.skipReason).toBe('no briefs yet');
  });

  it('holds the issue of an edition that waits for approval, then approve fans it out once', async () => {
    await addBrief('a', '2026-11-29T10:00:00.000Z');
    const held = await composeIssue(deps, { edition: 'bxl', now: MONDAY });
    expect(held.outcome).toBe('held');
    expect(queue.batches).toHaveLength(0);
    expect((await composeIssue(deps, { edition: 'bxl', now: LATER_MONDAY })).outcome).toBe('unchanged');

    const ops = { ...deps, ledger: new MemoryLedgerStore() };
    const approved = await approveIssue(ops, 'bxl-2026-11-30', LATER_MONDAY);
    expect(approved.enqueued).toBe(1);
    expect(queued()).toEqual(['elsewhere@example.com']);
    expect((await issues.get('bxl-2026-11-30'))?.approvedAt).toBe(LATER_MONDAY.toISOString());
    await expect(approveIssue(ops, 'bxl-2026-11-30', LATER_MONDAY)).rejects.toThrow(IssueStateError);
  });

  it('cancels an issue and records cancelled for every reader not yet in the ledger', async () => {
    await addBrief('a', '2026-11-29T10:00:00.000Z');
    await composeIssue(deps, { edition: 'dc', now: MONDAY });
    const ledger = new MemoryLedgerStore();
    await ledger.create({
      issueId: 'dc-2026-11-30',
      email: 'reader0@example.com',
      state: 'sent',
      messageId: 'm',
      updatedAt: MONDAY.toISOString(),
      expiresAt: 2e9,
    });
    const result = await cancelIssue({ ...deps, ledger }, 'dc-2026-11-30', LATER_MONDAY);
    expect(result.recorded).toBe(6);
    expect(ledger.entries('dc-2026-11-30').filter((r) => r.state === 'cancelled')).toHaveLength(6);
    expect((await ledger.get('dc-2026-11-30', 'reader0@example.com'))?.state).toBe('sent');
    expect((await composeIssue(deps, { edition: 'dc', now: LATER_MONDAY })).outcome).toBe('unchanged');
  });

  it('queues a daily issue to daily readers, a weekday one to weekday readers too, and never to weekly readers', async () => {
    await subscribers.save(subscriber('weekdays@example.com', ['dc'], { rhythm: 'weekdays' }));
    await subscribers.save(subscriber('weekly@example.com', ['dc'], { rhythm: 'weekly' }));
    await addBrief('a', '2026-11-29T10:00:00.000Z');
    const monday = await composeIssue(deps, { edition: 'dc', now: MONDAY });
    expect(monday.enqueued).toBe(8);
    expect(queued()).toContain('weekdays@example.com');
    await addBrief('b', '2026-12-05T10:00:00.000Z');
    const saturday = await composeIssue(deps, { edition: 'dc', now: new Date('2026-12-05T11:30:00.000Z') });
    expect(saturday).toMatchObject({ issueId: 'dc-2026-12-05', enqueued: 7 });
    const sent = queued();
    expect(sent).not.toContain('weekdays@example.com');
    expect(sent).not.toContain('weekly@example.com');
    const ledger = new MemoryLedgerStore();
    await cancelIssue({ ...deps, ledger }, 'dc-2026-12-05', new Date('2026-12-05T12:00:00.000Z'));
    expect(ledger.entries('dc-2026-12-05').map((r) => r.email)).not.toContain('weekly@example.com');
  });

  it('dry run renders and counts readers without storing or queueing', async () => {
    await addBrief('a', '2026-11-29T10:00:00.000Z');
    const dry = await composeIssue(deps, { edition: 'dc', now: MONDAY, dryRun: true });
    expect(dry).toMatchObject({ outcome: 'dry-run', enqueued: 7 });
    expect(issues.items.size).toBe(0);
    expect(queue.batches).toHaveLength(0);
  });

  it('refuses an unknown edition', async () => {
    await expect(composeIssue(deps, { edition: 'nowhere', now: MONDAY })).rejects.toThrow(
      UnknownEditionError,
    );
  });

  it('refuses a rendering too large for one issue record', async () => {
    await addBrief('a', '2026-11-29T10:00:00.000Z');
    deps.render = async () => ({
      subject: 's',
      preheader: 'p',
      html: 'x'.repeat(400_000),
      text: '',
      htmlBytes: 1,
    });
    await expect(composeIssue(deps, { edition: 'dc', now: MONDAY })).rejects.toThrow(IssueTooLargeError);
    expect(issues.items.size).toBe(0);
  });

  it.each(['', 'dc', 'dc-2026-13-45x', '../etc', 'DC-2026-11-30'])('treats %j as no issue', async (id) => {
    const ops = { ...deps, ledger: new MemoryLedgerStore() };
    await expect(approveIssue(ops, id, MONDAY)).rejects.toThrow(IssueNotFoundError);
    await expect(cancelIssue(ops, id, MONDAY)).rejects.toThrow(IssueNotFoundError);
  });
});
