import { beforeEach, describe, expect, it } from 'vitest';
import { type ComposeSummary, composeEventHandler } from '../../../lambdas/adapters/events/compose.js';
import type { Issue } from '../../../lambdas/core/issue.js';
import { testSettings } from '../../support/config.js';
import { MemoryBriefStore, plainBrief } from '../../support/fakes/brief-store.js';
import { ArrayQueue, MemoryIssueStore, MemoryLedgerStore, subscriber } from '../../support/fakes/delivery.js';
import { MemorySubscriberStore } from '../../support/fakes/subscriber-store.js';

const config = testSettings({
  editions: [
    {
      id: 'dc',
      name: 'D.C.',
      timeZone: 'America/New_York',
      sendTime: '06:30',
      sendDays: ['mon', 'tue', 'wed', 'thu', 'fri'],
      roundupDay: 'sat',
    },
  ],
});
// 06:30 in New York on Friday 4 and Saturday 5 December 2026 (ISO week 49).
const FRIDAY = new Date('2026-12-04T11:30:00.000Z');
const SATURDAY = new Date('2026-12-05T11:30:00.000Z');

describe('the compose schedule and the weekly roundup', () => {
  let issues: MemoryIssueStore;
  let queue: ArrayQueue;
  let reported: string[];

  async function run(now: Date): Promise<ComposeSummary> {
    const briefs = new MemoryBriefStore();
    await briefs.upsert(plainBrief('dc', '2026-12-02T01:00:00.000Z'), now);
    const subscribers = new MemorySubscriberStore();
    await subscribers.save(subscriber('daily@example.com', ['dc'], { rhythm: 'daily' }));
    await subscribers.save(subscriber('weekly@example.com', ['dc'], { rhythm: 'weekly' }));
    const handler = composeEventHandler({
      compose: {
        config,
        issues,
        briefs,
        subscribers,
        queue,
        render: async (input) => ({
          subject: input.issueId,
          preheader: '',
          html: '<p></p>',
          text: '',
          htmlBytes: 7,
        }),
      },
      completion: { issues, ledger: new MemoryLedgerStore() },
      clock: { now: () => now },
      report: (result) => reported.push(`${result.issueId} ${result.outcome}`),
    });
    return (await handler({ edition: 'dc' })) as ComposeSummary;
  }

  const queued = (): string[] =>
    queue.take().flatMap((b) => b.recipients.map((r) => `${b.issueId} ${r.email}`));

  beforeEach(() => {
    issues = new MemoryIssueStore();
    queue = new ArrayQueue();
    reported = [];
  });

  it('on a send day before the roundup day makes the daily issue only', async () => {
    const summary = await run(FRIDAY);
    expect(summary).toMatchObject({ issueId: 'dc-2026-12-04', outcome: 'composed', enqueued: 1 });
    expect(summary.roundup).toBeUndefined();
    expect(queued()).toEqual(['dc-2026-12-04 daily@example.com']);
  });

  it('on the roundup day that is no send day makes the roundup and no daily issue', async () => {
    const summary = await run(SATURDAY);
    expect(summary).toMatchObject({
      issueId: 'dc-2026-12-05',
      outcome: 'not a send day',
      enqueued: 0,
      roundup: { issueId: 'dc-2026-W49', outcome: 'composed', enqueued: 1 },
    });
    expect(await issues.get('dc-2026-12-05')).toBeUndefined();
    expect(((await issues.get('dc-2026-W49')) as Issue).kind).toBe('roundup');
    expect(queued()).toEqual(['dc-2026-W49 weekly@example.com']);
    expect(reported).toEqual(['dc-2026-W49 composed']);
  });

  it('run again the same day, composes no second roundup', async () => {
    await run(SATURDAY);
    const first = (await issues.get('dc-2026-W49')) as Issue;
    const again = await run(new Date('2026-12-05T12:30:00.000Z'));
    expect(again.roundup).toBeUndefined();
    expect(reported).toEqual(['dc-2026-W49 composed']);
    expect(((await issues.get('dc-2026-W49')) as Issue).createdAt).toBe(first.createdAt);
  });
});
