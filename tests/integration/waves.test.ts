import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import status from '../../cli/commands/status.js';
import { runPass } from '../../cli/local/pipeline.js';
import { DynamoBriefStore } from '../../lambdas/adapters/dynamo-brief-store.js';
import { DynamoIssueStore } from '../../lambdas/adapters/dynamo-issue-store.js';
import { DynamoLedgerStore } from '../../lambdas/adapters/dynamo-ledger-store.js';
import { DynamoSubscriberStore } from '../../lambdas/adapters/dynamo-subscriber-store.js';
import type { TidingsConfig } from '../../lambdas/core/config.js';
import type { LedgerEntry } from '../../lambdas/core/issue.js';
import { captureCli } from '../support/cli-capture.js';
import { subscriber } from '../support/fakes/delivery.js';
import { startTestStack, type TestStack, testConfig } from '../support/stack.js';

/**
 * Waves on the local stack (real SDK clients, dynalite, the SES stand-in), driven pass by pass
 * with a controllable clock across the US daylight-saving change of Sunday 8 March 2026: the `dc`
 * edition (New York, 07:00, readers' local time) composes on Saturday 7 March (EST) and Sunday 8
 * March (EDT), and each reader gets each issue once, at 07:00 in their own zone.
 */

let stack: TestStack;
let config: TidingsConfig;
const START = new Date('2026-03-07T12:00:00.000Z'); // Saturday, 07:00 EST in New York
const END = new Date('2026-03-09T08:00:00.000Z');
const STEP = 15 * 60_000;

const READERS: Record<string, string | undefined> = {
  'home@example.com': undefined,
  'la@example.com': 'America/Los_Angeles',
  'ny@example.com': 'America/New_York',
  'uk@example.com': 'Europe/London',
  'in@example.com': 'Asia/Kolkata',
  'au@example.com': 'Australia/Adelaide',
  'mover@example.com': 'Asia/Kolkata',
};

beforeAll(async () => {
  const base = await testConfig();
  config = {
    ...base,
    editions: base.editions.map((e) =>
      e.id === 'dc'
        ? {
            ...e,
            sendTime: '07:00',
            sendDays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
            readerLocalTime: true,
          }
        : e,
    ),
  };
  stack = await startTestStack({ config });
  const store = new DynamoSubscriberStore(stack.doc, stack.tables.subscribers);
  for (const [email, timeZone] of Object.entries(READERS)) {
    await store.save(subscriber(email, ['dc'], timeZone ? { timeZone } : {}));
  }
  const briefs = new DynamoBriefStore(stack.doc, stack.tables.briefs);
  for (const [id, at] of [
    ['saturday', '2026-03-07T10:00:00.000Z'],
    ['sunday', '2026-03-08T09:00:00.000Z'],
  ] as const) {
    await briefs.upsert(
      {
        id: `waves-${id}`,
        headline: `The ${id} story`,
        topic: 'policy',
        editions: ['dc'],
        publishedAt: at,
        updatedAt: at,
        news: ['Something happened.'],
        signals: [],
      },
      new Date(at),
    );
  }
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

async function ledgerOf(issueId: string): Promise<Map<string, LedgerEntry>> {
  const rows = new Map<string, LedgerEntry>();
  for await (const row of new DynamoLedgerStore(stack.doc, stack.tables.ledger).list(issueId)) {
    rows.set(row.email, row);
  }
  return rows;
}

describe('waves: readers in five zones across a daylight-saving change', () => {
  it('gets each reader each issue once, at 07:00 in their own zone; a reader who moves mid-day too', async () => {
    const subscribers = new DynamoSubscriberStore(stack.doc, stack.tables.subscribers);
    const cli = captureCli();
    for (let at = START.getTime(); at <= END.getTime(); at += STEP) {
      const now = new Date(at);
      // Saturday 16:00 UTC: the Kolkata reader moves to Los Angeles, whose wave went at 15:00.
      if (now.toISOString() === '2026-03-07T16:00:00.000Z') {
        const mover = await subscribers.get('mover@example.com');
        if (!mover) throw new Error('no mover');
        await subscribers.save({ ...mover, timeZone: 'America/Los_Angeles' });
      }
      await runPass(stack, {
        now,
        editions: ['dc'],
        ingest: false,
        services: { clock: { now: () => now } },
      });
      if (now.toISOString() === '2026-03-07T16:00:00.000Z') {
        expect(await status([], cli.context(stack))).toBe(0);
        expect(await status(['--issue', 'dc-2026-03-07'], cli.context(stack))).toBe(0);
      }
    }
    // status: waves after the counts of the issue's line, one line per wave after the rest.
    expect(cli.out.find((line) => line.startsWith('dc-2026-03-07'))).toMatch(
      /^dc-2026-03-07 +sending +recipients 3 sent 3 .* {2}waves 5 sent 2 pending 3 next 2026-03-07T20:30:00.000Z$/,
    );
    expect(cli.out.filter((line) => line.startsWith('wave') || line.startsWith('catch-up'))).toEqual([
      'wave America/New_York               due 2026-03-07T12:00:00.000Z sent 2026-03-07T12:00:00.000Z readers 2',
      'wave America/Los_Angeles            due 2026-03-07T15:00:00.000Z sent 2026-03-07T15:00:00.000Z readers 1',
      'wave Australia/Adelaide             due 2026-03-07T20:30:00.000Z pending',
      'wave Asia/Kolkata                   due 2026-03-08T01:30:00.000Z pending',
      'wave Europe/London                  due 2026-03-08T07:00:00.000Z pending',
      'catch-up after the last wave: not yet',
    ]);

    const saturday = await ledgerOf('dc-2026-03-07');
    const sunday = await ledgerOf('dc-2026-03-08');
    const sentAt = (rows: Map<string, LedgerEntry>): Record<string, string | undefined> =>
      Object.fromEntries(
        [...rows].map(([email, row]) => [email, row.state === 'sent' ? row.sentAt : row.state]),
      );
    expect(sentAt(saturday)).toEqual({
      'home@example.com': '2026-03-07T12:00:00.000Z',
      'ny@example.com': '2026-03-07T12:00:00.000Z',
      'la@example.com': '2026-03-07T15:00:00.000Z', // 07:00 PST
      'au@example.com': '2026-03-07T20:30:00.000Z', // 07:00 ACDT on the 8th
      'in@example.com': '2026-03-08T01:30:00.000Z', // 07:00 IST on the 8th
      'uk@example.com': '2026-03-08T07:00:00.000Z', // 07:00 GMT on the 8th
      // Moved after the Los Angeles wave, away from Kolkata's: the catch-up after the last wave.
      'mover@example.com': '2026-03-08T07:15:00.000Z',
    });
    expect(sentAt(sunday)).toEqual({
      'home@example.com': '2026-03-08T11:00:00.000Z', // 07:00 EDT: the clocks went forward
      'ny@example.com': '2026-03-08T11:00:00.000Z',
      'la@example.com': '2026-03-08T14:00:00.000Z', // 07:00 PDT
      'mover@example.com': '2026-03-08T14:00:00.000Z',
      'au@example.com': '2026-03-08T20:30:00.000Z',
      'in@example.com': '2026-03-09T01:30:00.000Z',
      'uk@example.com': '2026-03-09T07:00:00.000Z',
    });

    // Once each: the SES stand-in received one message per reader and issue.
    const received = new Map<string, number>();
    for (const email of await stack.inbox()) {
      for (const to of email.destination.to) {
        const address = /<([^>]+)>/.exec(to)?.[1] ?? to;
        received.set(address, (received.get(address) ?? 0) + 1);
      }
    }
    expect(Object.fromEntries(received)).toEqual(Object.fromEntries(Object.keys(READERS).map((e) => [e, 2])));

    const issues = new DynamoIssueStore(stack.doc, stack.tables.issues);
    const first = await issues.get('dc-2026-03-07');
    expect(first?.state).toBe('sent');
    expect(first?.waves?.catchUp?.enqueued).toBe(1);
    expect((await issues.get('dc-2026-03-08'))?.state).toBe('sent');
  }, 300_000);
});
