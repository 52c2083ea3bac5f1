import { beforeEach, describe, expect, it } from 'vitest';
import { approveIssue, type ComposeDeps, cancelIssue, composeIssue } from '../../../lambdas/core/compose.js';
import { parseConfig, type TidingsConfig } from '../../../lambdas/core/config.js';
import { completeIssue } from '../../../lambdas/core/issue-life.js';
import { NO_ZONE } from '../../../lambdas/core/ports.js';
import { planWaves, type SweepDeps, sweepWaves, waveDue } from '../../../lambdas/core/waves.js';
import { MemoryBriefStore } from '../../support/fakes/brief-store.js';
import { ArrayQueue, MemoryIssueStore, MemoryLedgerStore, subscriber } from '../../support/fakes/delivery.js';
import { MemorySubscriberStore } from '../../support/fakes/subscriber-store.js';

const dc = { id: 'dc', timeZone: 'America/New_York', sendTime: '07:00' };

describe('wave planning', () => {
  // Saturday 7 March 2026, 07:00 in New York (EST, UTC-5): the day before the US change.
  const saturday = new Date('2026-03-07T12:00:00.000Z');

  it('puts each zone at its own next 07:00, :30 and :45 offsets included, and the edition zone at once', () => {
    const waves = planWaves(
      dc,
      [
        NO_ZONE,
        'Asia/Kolkata',
        'Asia/Kathmandu',
        'Australia/Adelaide',
        'Europe/London',
        'America/Los_Angeles',
      ],
      saturday,
    );
    const due = Object.fromEntries(Object.entries(waves.zones).map(([zone, wave]) => [zone, wave.dueAt]));
    expect(due).toEqual({
      'America/New_York': '2026-03-07T12:00:00.000Z',
      'Asia/Kolkata': '2026-03-08T01:30:00.000Z',
      'Asia/Kathmandu': '2026-03-08T01:15:00.000Z',
      'Australia/Adelaide': '2026-03-07T20:30:00.000Z',
      'Europe/London': '2026-03-08T07:00:00.000Z',
      'America/Los_Angeles': '2026-03-07T15:00:00.000Z',
    });
    expect(Object.values(waves.zones).every((wave) => wave.state === 'pending')).toBe(true);
  });

  it('follows a daylight-saving change: 07:00 in Los Angeles is 15:00 UTC on Saturday, 14:00 UTC on Sunday', () => {
    expect(waveDue(dc, 'America/Los_Angeles', saturday).toISOString()).toBe('2026-03-07T15:00:00.000Z');
    // Sunday 8 March, 07:00 EDT in New York: clocks went forward overnight in both zones.
    const sunday = new Date('2026-03-08T11:00:00.000Z');
    expect(waveDue(dc, 'America/Los_Angeles', sunday).toISOString()).toBe('2026-03-08T14:00:00.000Z');
    expect(waveDue(dc, 'Europe/London', sunday).toISOString()).toBe('2026-03-09T07:00:00.000Z');
  });

  it('counts a zone that shares the send time as due when compose runs a few minutes late', () => {
    const late = new Date('2026-03-07T12:04:00.000Z');
    expect(waveDue(dc, 'America/Toronto', late).toISOString()).toBe(late.toISOString());
  });
});

const config: TidingsConfig = parseConfig({
  stage: 'test',
  baseUrl: 'http://127.0.0.1:3000',
  sender: { address: 'digest@tidings.example', name: 'Tidings', domain: 'tidings.example' },
  postalAddress: '1 Example Street, Springfield',
  issueLimit: 3,
  editions: [
    { ...dc, name: 'D.C.', readerLocalTime: true },
    { ...dc, id: 'held', name: 'Held', readerLocalTime: true, holdForApproval: true },
  ],
});

// Monday 30 November 2026, 07:00 in New York (12:00 UTC).
const COMPOSE = new Date('2026-11-30T12:00:00.000Z');
const at = (iso: string): Date => new Date(iso);

describe('waves of an issue', () => {
  let issues: MemoryIssueStore;
  let subscribers: MemorySubscriberStore;
  let ledger: MemoryLedgerStore;
  let queue: ArrayQueue;
  let compose: ComposeDeps;
  let sweep: SweepDeps;

  beforeEach(async () => {
    issues = new MemoryIssueStore();
    subscribers = new MemorySubscriberStore();
    ledger = new MemoryLedgerStore();
    queue = new ArrayQueue();
    const briefs = new MemoryBriefStore();
    await briefs.upsert(
      {
        id: 'b1',
        headline: 'Story',
        topic: 'policy',
        editions: ['dc', 'held'],
        publishedAt: '2026-11-30T10:00:00.000Z',
        updatedAt: '2026-11-30T10:00:00.000Z',
        news: ['Something happened.'],
        signals: [],
      },
      COMPOSE,
    );
    compose = {
      config,
      issues,
      briefs,
      subscribers,
      queue,
      render: async () => ({ subject: 's', preheader: 'p', html: '<p>x</p>', text: 't', htmlBytes: 8 }),
    };
    sweep = { config, issues, subscribers, queue, ledger, catchUpAfterMs: 0 };
    await subscribers.save(subscriber('home@example.com', ['dc']));
    await subscribers.save(subscriber('ny@example.com', ['dc'], { timeZone: 'America/New_York' }));
    await subscribers.save(subscriber('la@example.com', ['dc'], { timeZone: 'America/Los_Angeles' }));
    await subscribers.save(subscriber('in@example.com', ['dc'], { timeZone: 'Asia/Kolkata' }));
  });

  /** Queued addresses since the last call, each recorded `sent` in the ledger as a sender would. */
  async function delivered(): Promise<string[]> {
    const emails = queue
      .take()
      .flatMap((batch) => batch.recipients.map((r) => r.email))
      .sort();
    for (const email of emails) {
      await ledger.create({
        issueId: 'dc-2026-11-30',
        email,
        state: 'sent',
        updatedAt: COMPOSE.toISOString(),
        expiresAt: 0,
      });
    }
    return emails;
  }

  it('queues the edition zone at compose and each other zone at its own send time, once', async () => {
    const result = await composeIssue(compose, { edition: 'dc', now: COMPOSE });
    expect(result.outcome).toBe('composed');
    expect(await delivered()).toEqual(['home@example.com', 'ny@example.com']);

    // 07:00 in Los Angeles is 15:00 UTC; a sweep before it queues nothing.
    await sweepWaves(sweep, at('2026-11-30T14:55:00.000Z'));
    expect(await delivered()).toEqual([]);
    await sweepWaves(sweep, at('2026-11-30T15:00:00.000Z'));
    expect(await delivered()).toEqual(['la@example.com']);
    await sweepWaves(sweep, at('2026-11-30T15:05:00.000Z'));
    expect(await delivered()).toEqual([]);
    // 07:00 the next day in Kolkata is 01:30 UTC on 1 December.
    await sweepWaves(sweep, at('2026-12-01T01:30:00.000Z'));
    expect(await delivered()).toEqual(['in@example.com']);

    const waves = (await issues.get('dc-2026-11-30'))?.waves;
    expect(waves?.zones['America/Los_Angeles']).toMatchObject({ state: 'sent', enqueued: 1 });
    expect(waves?.zones['Asia/Kolkata']).toMatchObject({ state: 'sent', enqueued: 1 });
  });

  it('adds a wave for a zone that appeared after compose, due at its time', async () => {
    await composeIssue(compose, { edition: 'dc', now: COMPOSE });
    await delivered();
    await subscribers.save(subscriber('uk@example.com', ['dc'], { timeZone: 'Europe/London' }));
    await sweepWaves(sweep, at('2026-11-30T15:00:00.000Z'));
    expect(await delivered()).toEqual(['la@example.com']);
    expect((await issues.get('dc-2026-11-30'))?.waves?.zones['Europe/London']).toMatchObject({
      state: 'pending',
      dueAt: '2026-12-01T07:00:00.000Z',
    });
    await sweepWaves(sweep, at('2026-12-01T07:00:00.000Z'));
    expect(await delivered()).toEqual(['in@example.com', 'uk@example.com']);
  });

  it('completes the issue only after every wave and the catch-up', async () => {
    await composeIssue(compose, { edition: 'dc', now: COMPOSE });
    await delivered();
    const check = async (now: string): Promise<boolean> =>
      (await completeIssue({ issues, ledger }, 'dc-2026-11-30', at(now))).completed;
    // Every reader queued so far has a ledger row, but two waves are still to go.
    expect(await check('2026-11-30T13:00:00.000Z')).toBe(false);
    await sweepWaves(sweep, at('2026-12-01T02:00:00.000Z'));
    expect(await delivered()).toEqual(['in@example.com', 'la@example.com']);
    // Every wave has gone; the catch-up has not run yet.
    expect(await check('2026-12-01T02:01:00.000Z')).toBe(false);
    const swept = await sweepWaves(sweep, at('2026-12-01T02:05:00.000Z'));
    expect(swept[0]?.caughtUp).toBe(0);
    expect(await check('2026-12-01T02:06:00.000Z')).toBe(true);
  });

  it('gets a reader who moved to a zone whose wave had gone the issue once, in the catch-up', async () => {
    await composeIssue(compose, { edition: 'dc', now: COMPOSE });
    await delivered();
    const la = await subscribers.get('la@example.com');
    if (!la) throw new Error('no reader');
    await subscribers.save({ ...la, timeZone: 'America/New_York' });
    await sweepWaves(sweep, at('2026-12-01T02:00:00.000Z'));
    expect(await delivered()).toEqual(['in@example.com']);
    await sweepWaves(sweep, at('2026-12-01T02:05:00.000Z'));
    expect(await delivered()).toEqual(['la@example.com']);
    await sweepWaves(sweep, at('2026-12-01T02:10:00.000Z'));
    expect(await delivered()).toEqual([]);
  });

  it('stops pending waves when the issue is cancelled', async () => {
    await composeIssue(compose, { edition: 'dc', now: COMPOSE });
    await delivered();
    await cancelIssue({ ...compose, ledger }, 'dc-2026-11-30', at('2026-11-30T13:00:00.000Z'));
    expect((await issues.get('dc-2026-11-30'))?.waves?.zones['Asia/Kolkata']?.state).toBe('cancelled');
    await sweepWaves(sweep, at('2026-12-01T02:00:00.000Z'));
    expect(queue.take()).toEqual([]);
  });

  it('queues nothing early when compose runs again the same day', async () => {
    await composeIssue(compose, { edition: 'dc', now: COMPOSE });
    await delivered();
    const again = await composeIssue(compose, { edition: 'dc', now: at('2026-11-30T13:00:00.000Z') });
    expect(again.outcome).toBe('refanout');
    expect(await delivered()).toEqual([]);
  });

  it('plans the waves of a held issue at approval, counting from then', async () => {
    await subscribers.save(subscriber('h-home@example.com', ['held']));
    await subscribers.save(subscriber('h-la@example.com', ['held'], { timeZone: 'America/Los_Angeles' }));
    const held = await composeIssue(compose, { edition: 'held', now: COMPOSE });
    expect(held.outcome).toBe('held');
    expect(held.issue.waves).toBeUndefined();
    expect(queue.take()).toEqual([]);
    // Approved at 16:00 UTC, after 07:00 in Los Angeles: its wave is the next day's 07:00 PST.
    await approveIssue({ ...compose, ledger }, 'held-2026-11-30', at('2026-11-30T16:00:00.000Z'));
    const emails = queue.take().flatMap((b) => b.recipients.map((r) => r.email));
    expect(emails).toEqual(['h-home@example.com']);
    const waves = (await issues.get('held-2026-11-30'))?.waves;
    expect(waves?.from).toBe('2026-11-30T16:00:00.000Z');
    expect(waves?.zones['America/Los_Angeles']?.dueAt).toBe('2026-12-01T15:00:00.000Z');
  });
});
