import { beforeEach, describe, expect, it } from 'vitest';
import type { Brief } from '../../../lambdas/core/brief.js';
import type { ComposeDeps } from '../../../lambdas/core/compose.js';
import type { EditionConfig, TidingsConfig } from '../../../lambdas/core/config.js';
import type { Issue, LedgerEntry } from '../../../lambdas/core/issue.js';
import { completeIssue, nextSendTime, previewIssue } from '../../../lambdas/core/issue-life.js';
import { MemoryBriefStore } from '../../support/fakes/brief-store.js';
import { MemoryIssueStore, MemoryLedgerStore, subscriber } from '../../support/fakes/delivery.js';
import { MemorySubscriberStore } from '../../support/fakes/subscriber-store.js';
import { testConfig } from '../../support/stack.js';

const DC: Pick<EditionConfig, 'timeZone' | 'sendTime' | 'sendDays'> = {
  timeZone: 'America/New_York',
  sendTime: '06:30',
  sendDays: ['mon', 'tue', 'wed', 'thu', 'fri'],
};

describe('nextSendTime', () => {
  it('finds the next send day at the local send time, skipping days the edition does not send', () => {
    // Friday 30 October 2026, 12:00 UTC = 08:00 in New York, after the send: next is Monday.
    expect(nextSendTime(DC, new Date('2026-10-30T12:00:00Z')).toISOString()).toBe('2026-11-02T11:30:00.000Z');
  });

  it('follows the clock change (06:30 EDT before 1 November, 06:30 EST after)', () => {
    expect(nextSendTime(DC, new Date('2026-10-29T05:00:00Z')).toISOString()).toBe('2026-10-29T10:30:00.000Z');
    expect(nextSendTime(DC, new Date('2026-11-02T05:00:00Z')).toISOString()).toBe('2026-11-02T11:30:00.000Z');
  });

  it('is the same minute when asked at the send time itself', () => {
    expect(nextSendTime(DC, new Date('2026-11-30T11:30:00Z')).toISOString()).toBe('2026-11-30T11:30:00.000Z');
  });
});

function issue(over: Partial<Issue> = {}): Issue {
  return {
    id: 'dc-2026-11-30',
    edition: 'dc',
    localDate: '2026-11-30',
    state: 'sending',
    cutoff: '2026-11-30T11:30:00.000Z',
    briefIds: [],
    briefs: [],
    counts: { enqueued: 2, fanouts: 1 },
    createdAt: '2026-11-30T11:30:00.000Z',
    updatedAt: '2026-11-30T11:30:00.000Z',
    ...over,
  };
}

const row = (email: string, state: LedgerEntry['state']): LedgerEntry => ({
  issueId: 'dc-2026-11-30',
  email,
  state,
  updatedAt: '2026-11-30T11:31:00.000Z',
  expiresAt: 0,
});

describe('completeIssue', () => {
  it('moves a sending issue to sent only once every enqueued reader is settled and no claim is open', async () => {
    const issues = new MemoryIssueStore();
    const ledger = new MemoryLedgerStore();
    await issues.create(issue());
    const now = new Date('2026-11-30T11:40:00Z');
    await ledger.create(row('a@example.com', 'sent'));
    expect((await completeIssue({ issues, ledger }, 'dc-2026-11-30', now)).completed).toBe(false);
    await ledger.create(row('b@example.com', 'claimed'));
    expect((await completeIssue({ issues, ledger }, 'dc-2026-11-30', now)).completed).toBe(false);
    ledger.rows.set('dc-2026-11-30\u0000b@example.com', row('b@example.com', 'skipped'));
    const done = await completeIssue({ issues, ledger }, 'dc-2026-11-30', now);
    expect(done).toMatchObject({ completed: true, state: 'sent' });
    expect((await issues.get('dc-2026-11-30'))?.sentAt).toBe(now.toISOString());
  });

  it('leaves issues in other states alone', async () => {
    const issues = new MemoryIssueStore();
    await issues.create(issue({ state: 'cancelled', counts: { enqueued: 0, fanouts: 1 } }));
    const result = await completeIssue(
      { issues, ledger: new MemoryLedgerStore() },
      'dc-2026-11-30',
      new Date(),
    );
    expect(result).toMatchObject({ completed: false, state: 'cancelled' });
  });
});

describe('previewIssue (compose in dry run)', () => {
  let config: TidingsConfig;
  let deps: Omit<ComposeDeps, 'queue'>;
  let issues: MemoryIssueStore;
  let briefs: MemoryBriefStore;
  const brief = (id: string, at: string): Brief =>
    ({
      id,
      headline: `Headline ${id}`,
      news: ['Something happened.'],
      signals: [],
      topic: 'policy',
      region: 'North America',
      editions: ['dc'],
      publishedAt: at,
      updatedAt: at,
    }) as unknown as Brief;

  beforeEach(async () => {
    config = await testConfig();
    issues = new MemoryIssueStore();
    briefs = new MemoryBriefStore();
    const subscribers = new MemorySubscriberStore();
    await subscribers.save(subscriber('reader@example.com', ['dc']));
    deps = {
      config,
      issues,
      briefs,
      subscribers,
      render: async (request) => ({
        subject: `${request.issueId}: ${request.briefs.length}`,
        preheader: 'p',
        html: `<p>${request.briefs.map((b) => b.id).join(' ')}</p>`,
        text: 't',
        htmlBytes: 10,
      }),
    };
    await briefs.upsert(brief('old', '2026-11-29T20:00:00.000Z'), new Date());
  });

  it("shows the first issue's briefs, due now, when the edition never sent one", async () => {
    const now = new Date('2026-11-30T12:00:00Z');
    const result = await previewIssue(deps, 'dc', now);
    expect(result).toMatchObject({ kind: 'next', issueId: 'dc-2026-11-30', readers: 1 });
    expect(result.sendsAt).toEqual(now);
    expect(result.issue.briefIds).toEqual(['old']);
    expect(result.why).toMatch(/first issue/);
  });

  it("after today's issue went out, shows the next day's issue with only what is new since", async () => {
    await issues.create(
      issue({ state: 'sent', briefIds: ['old'], cutoff: '2026-11-30T11:30:00.000Z', html: '<p>old</p>' }),
    );
    await briefs.upsert(brief('fresh', '2026-11-30T13:00:00.000Z'), new Date());
    const result = await previewIssue(deps, 'dc', new Date('2026-11-30T14:00:00Z'));
    expect(result).toMatchObject({ kind: 'next', issueId: 'dc-2026-12-01' });
    expect(result.sendsAt.toISOString()).toBe('2026-12-01T11:30:00.000Z');
    expect(result.issue.briefIds).toEqual(['fresh']);
    expect(result.why).toMatch(/new since the last issue/);
  });

  it('says so when nothing is new, and shows the latest briefs for the next issue id', async () => {
    await issues.create(issue({ state: 'sent', briefIds: ['old'], html: '<p>old</p>' }));
    const result = await previewIssue(deps, 'dc', new Date('2026-11-30T14:00:00Z'));
    expect(result).toMatchObject({ kind: 'latest', issueId: 'dc-2026-12-01' });
    expect(result.issue.briefIds).toEqual(['old']);
    expect(result.why).toMatch(/nothing new/);
  });

  it('shows a held issue as stored, to go on approval', async () => {
    await issues.create(issue({ state: 'held', html: '<p>held</p>', text: 't', subject: 's' }));
    const result = await previewIssue(deps, 'dc', new Date('2026-11-30T14:00:00Z'));
    expect(result).toMatchObject({ kind: 'stored', issueId: 'dc-2026-11-30', readers: 1 });
    expect(result.issue.html).toBe('<p>held</p>');
  });
});
