import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import approve from '../../cli/commands/approve.js';
import cancel from '../../cli/commands/cancel.js';
import status from '../../cli/commands/status.js';
import { type CliContext, UsageError } from '../../cli/context.js';
import { runPass } from '../../cli/local/pipeline.js';
import { DynamoBriefStore } from '../../lambdas/adapters/dynamo-brief-store.js';
import { DynamoIssueStore } from '../../lambdas/adapters/dynamo-issue-store.js';
import { DynamoLedgerStore } from '../../lambdas/adapters/dynamo-ledger-store.js';
import { DynamoSubscriberStore } from '../../lambdas/adapters/dynamo-subscriber-store.js';
import { issueArchive } from '../../lambdas/adapters/http/issue-archive.js';
import type { TidingsConfig } from '../../lambdas/core/config.js';
import type { Rhythm } from '../../lambdas/core/subscriber.js';
import { captureCli } from '../support/cli-capture.js';
import { subscriber } from '../support/fakes/delivery.js';
import { startTestStack, type TestStack, testConfig } from '../support/stack.js';

/**
 * Rhythm and the weekly roundup on the local stack (real SDK clients, dynalite, the SES stand-in),
 * driven pass by pass with a controllable clock over ISO weeks 49 and 50 of 2026 (Monday 30
 * November to Sunday 13 December). The `dc` edition (New York, 06:30) sends every day and its
 * roundup on Saturdays; `bxl` holds its issues for approval. One brief a day.
 */

let stack: TestStack;
let config: TidingsConfig;
const cli = captureCli();
let ctx: CliContext;
const DAY = 86_400_000;
const FIRST_MONDAY = Date.parse('2026-11-30T00:00:00.000Z');
/** Passes each day: at the send time (06:30 in New York), and in the evening. */
const PASSES = ['11:30', '23:00'];

const READERS: Record<string, Rhythm | undefined> = {
  'daily@example.com': 'daily',
  'default@example.com': undefined,
  'weekdays@example.com': 'weekdays',
  'weekly@example.com': 'weekly',
  // Wednesday 2 December, before the send time: one goes weekly, the other daily.
  'to-weekly@example.com': 'daily',
  'to-daily@example.com': 'weekly',
  // Wednesday 9 December, after the send time: back to daily.
  'back@example.com': 'weekly',
};
const SWITCHES: Record<string, [string, Rhythm][]> = {
  '2026-12-02T10:00:00.000Z': [
    ['to-weekly@example.com', 'weekly'],
    ['to-daily@example.com', 'daily'],
  ],
  '2026-12-09T12:00:00.000Z': [['back@example.com', 'daily']],
};

const dateOf = (day: number): string => new Date(FIRST_MONDAY + day * DAY).toISOString().slice(0, 10);

beforeAll(async () => {
  const base = await testConfig();
  config = {
    ...base,
    editions: base.editions.map((e) =>
      e.id === 'dc'
        ? { ...e, sendDays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], roundupDay: 'sat' }
        : e.id === 'bxl'
          ? { ...e, holdForApproval: true, roundupDay: 'fri' }
          : e,
    ),
  };
  stack = await startTestStack({ config });
  ctx = cli.context(stack, config);
  const store = new DynamoSubscriberStore(stack.doc, stack.tables.subscribers);
  for (const [email, rhythm] of Object.entries(READERS)) {
    await store.save(subscriber(email, ['dc'], rhythm ? { rhythm } : {}));
  }
  await store.save(subscriber('weekly-bxl@example.com', ['bxl'], { rhythm: 'weekly' }));
  const briefs = new DynamoBriefStore(stack.doc, stack.tables.briefs);
  for (let day = 0; day < 14; day++) {
    const at = `${dateOf(day)}T09:00:00.000Z`;
    await briefs.upsert(
      {
        id: `day-${dateOf(day)}`,
        headline: `The story of ${dateOf(day)}`,
        topic: 'policy',
        editions: ['dc', 'bxl'],
        publishedAt: at,
        updatedAt: at,
        news: ['Something happened.'],
        // Mid-week stories are the most signalled: the roundup leads with them.
        signals: Array.from({ length: day % 7 === 2 ? 3 : 1 }, () => ({
          headline: 'A signal',
          body: 'Its body',
          sources: [{ name: 'A source' }],
        })),
      },
      new Date(at),
    );
  }
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

/** Issue ids each reader was sent (ledger rows `sent`), and how many emails the SES stand-in got. */
async function deliveries(): Promise<{ sent: Map<string, string[]>; received: Map<string, number> }> {
  const issues = new DynamoIssueStore(stack.doc, stack.tables.issues);
  const ledger = new DynamoLedgerStore(stack.doc, stack.tables.ledger);
  const sent = new Map<string, string[]>();
  for (const issue of await issues.listByEdition('dc', { limit: 100 })) {
    for await (const row of ledger.list(issue.id)) {
      if (row.state === 'sent') sent.set(row.email, [...(sent.get(row.email) ?? []), issue.id].sort());
    }
  }
  // Recipients as the SES stand-in stored them: `Name <address>` or a bare address.
  const recipients = (await stack.inbox()).flatMap((message) => message.destination.to);
  const received = new Map<string, number>();
  for (const address of recipients.map((to) => to.replace(/^.*<(.+)>$/, '$1'))) {
    received.set(address, 1 + (received.get(address) ?? 0));
  }
  return { sent, received };
}

const dailies = (days: number[]): string[] => days.map((d) => `dc-${dateOf(d)}`);
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('rhythm over two weeks', () => {
  it('gets each reader what their rhythm asks, once, and a switch mid-week skips no week', async () => {
    const subscribers = new DynamoSubscriberStore(stack.doc, stack.tables.subscribers);
    const passes = range(0, 13).flatMap((day) => PASSES.map((time) => `${dateOf(day)}T${time}:00.000Z`));
    const switches = Object.entries(SWITCHES);
    for (const pass of passes) {
      for (const [at, changes] of switches) {
        if (at > pass || changes.length === 0) continue;
        for (const [email, rhythm] of changes.splice(0)) {
          const reader = await subscribers.get(email);
          if (!reader) throw new Error(`no ${email}`);
          await subscribers.save({ ...reader, rhythm });
        }
      }
      const now = new Date(pass);
      await runPass(stack, {
        now,
        editions: ['dc', 'bxl'],
        ingest: false,
        services: { clock: { now: () => now } },
      });
    }

    const { sent, received } = await deliveries();
    const all = range(0, 13);
    const weekdays = all.filter((d) => d % 7 < 5);
    expect(sent.get('daily@example.com')).toEqual(dailies(all));
    expect(sent.get('default@example.com')).toEqual(dailies(all)); // no rhythm chosen: daily
    expect(sent.get('weekdays@example.com')).toEqual(dailies(weekdays)); // no Saturday or Sunday
    expect(sent.get('weekly@example.com')).toEqual(['dc-2026-W49', 'dc-2026-W50']);
    // Daily until Tuesday, then weekly: that week's roundup (it carries Monday's and Tuesday's too).
    expect(sent.get('to-weekly@example.com')).toEqual([...dailies([0, 1]), 'dc-2026-W49', 'dc-2026-W50']);
    // Weekly until Tuesday, then daily from Wednesday: no roundup, no week without an issue.
    expect(sent.get('to-daily@example.com')).toEqual(dailies(range(2, 13)));
    // Weekly in week 49 (its roundup); daily from Wednesday 9 December after its send: Thursday on.
    expect(sent.get('back@example.com')).toEqual([...dailies(range(10, 13)), 'dc-2026-W49']);

    // Each email once: what the SES stand-in received is what the ledger says was sent.
    for (const email of Object.keys(READERS)) {
      expect(received.get(email), email).toBe(sent.get(email)?.length);
    }
  }, 240_000);

  it('stores one roundup a week, of that week’s briefs, most signalled first', async () => {
    const issues = new DynamoIssueStore(stack.doc, stack.tables.issues);
    const roundups = (await issues.listByEdition('dc', { limit: 100 })).filter((i) => i.kind === 'roundup');
    expect(roundups.map((i) => [i.id, i.localDate, i.state])).toEqual([
      ['dc-2026-W50', '2026-12-12', 'sent'],
      ['dc-2026-W49', '2026-12-05', 'sent'],
    ]);
    const w49 = await issues.get('dc-2026-W49');
    // Monday to Saturday morning: six briefs, Wednesday's (three signals) first, then newest first.
    expect(w49?.briefIds).toEqual(['day-2026-12-02', ...[5, 4, 3, 1, 0].map((d) => `day-${dateOf(d)}`)]);
    expect(w49?.subject).toBe('Tidings D.C. weekly roundup: The story of 2026-12-02');
  });

  it('publishes each roundup in the web archive under its id', async () => {
    const archive = issueArchive(new DynamoIssueStore(stack.doc, stack.tables.issues), config);
    const listed = (await archive.listSent('dc', 30)).map((e) => e.issueId);
    expect(listed).toEqual(expect.arrayContaining(['dc-2026-W49', 'dc-2026-W50']));
    const web = await archive.get('dc-2026-W49');
    expect(web?.html).toContain('Weekly roundup, November 30 – December 5, 2026');
    expect(web?.html).not.toContain('%%TIDINGS_SLOT');
    expect(await archive.get('bxl-2026-W49')).toBeUndefined(); // held: not published
  });

  it('approve sends a held roundup to its weekly readers', async () => {
    cli.reset();
    expect(await approve(['bxl-2026-W49'], ctx)).toBe(0);
    expect(cli.out[0]).toMatch(/1 reader queued, 1 email sent/);
    const rows = new DynamoLedgerStore(stack.doc, stack.tables.ledger).list('bxl-2026-W49');
    const sent: string[] = [];
    for await (const row of rows) if (row.state === 'sent') sent.push(row.email);
    expect(sent).toEqual(['weekly-bxl@example.com']);
  });

  it('status and cancel take a roundup id', async () => {
    cli.reset();
    expect(await status(['--issue', 'bxl-2026-W50', '--recipients'], ctx)).toBe(0);
    expect(cli.out.join('\n')).toMatch(/bxl-2026-W50 +held/);
    cli.reset();
    expect(await cancel(['bxl-2026-W50'], ctx)).toBe(0);
    cli.reset();
    expect(await status(['--issue', 'bxl-2026-W50', '--recipients'], ctx)).toBe(0);
    expect(cli.out.join('\n')).toMatch(/bxl-2026-W50 +cancelled/);
    expect(cli.out.join('\n')).toMatch(/weekly-bxl@example\.com cancelled/);
    // 2026 has 53 ISO weeks, no 54th: bad input (exit 2).
    await expect(status(['--issue', 'bxl-2026-W54'], ctx)).rejects.toThrow(UsageError);
    await expect(cancel(['bxl-2026-W54'], ctx)).rejects.toThrow(/not an issue id.*<edition>-<YYYY>-W<ww>/);
  });
});
