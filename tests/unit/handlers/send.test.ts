import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { sendEventHandler } from '../../../lambdas/adapters/events/send.js';
import type { Issue } from '../../../lambdas/core/issue.js';
import { ManualClock } from '../../support/fakes/clock.js';
import {
  MemoryIssueStore,
  MemoryLedgerStore,
  memorySendDeps,
  subscriber,
} from '../../support/fakes/delivery.js';

import { RecordingMailer } from '../../support/fakes/mailer.js';
import { MemorySubscriberStore } from '../../support/fakes/subscriber-store.js';

const ISSUE_ID = 'bxl-2026-11-30';
const READERS = Array.from({ length: 12 }, (_, i) => `reader${i}@example.com`);

function issue(): Issue {
  return {
    id: ISSUE_ID,
    edition: 'bxl',
    localDate: '2026-11-30',
    state: 'sending',
    cutoff: '2026-11-30T06:00:00.000Z',
    briefIds: ['b1'],
    briefs: [],
    subject: 'Tidings BXL',
    html: '<p>hi</p>',
    text: 'hi',
    counts: { enqueued: READERS.length, fanouts: 1 },
    createdAt: '2026-11-30T06:00:00.000Z',
    updatedAt: '2026-11-30T06:00:00.000Z',
  };
}

function record(id: string, body: unknown): SQSRecord {
  return {
    messageId: id,
    receiptHandle: id,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {} as SQSRecord['attributes'],
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:send',
    awsRegion: 'us-east-1',
  };
}

const slices = (size: number): { issueId: string; recipients: { email: string }[] }[] =>
  Array.from({ length: Math.ceil(READERS.length / size) }, (_, i) => ({
    issueId: ISSUE_ID,
    recipients: READERS.slice(i * size, (i + 1) * size).map((email) => ({ email })),
  }));

describe('send handler', () => {
  let issues: MemoryIssueStore;
  let ledger: MemoryLedgerStore;
  let subscribers: MemorySubscriberStore;
  let mailer: RecordingMailer;
  let handler: (
    event: SQSEvent,
    context: unknown,
  ) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
  const logged: string[] = [];

  beforeEach(async () => {
    issues = new MemoryIssueStore();
    ledger = new MemoryLedgerStore();
    subscribers = new MemorySubscriberStore();
    mailer = new RecordingMailer();
    await issues.create(issue());
    for (const email of READERS) await subscribers.save(subscriber(email, ['bxl']));
    const clock = new ManualClock(new Date('2026-11-30T06:01:00.000Z'));
    const send = memorySendDeps({ issues, ledger, subscribers, mailer, clock, leaseMs: 180_000 });
    logged.length = 0;
    handler = sendEventHandler({
      send,
      completion: { issues, ledger },
      log: (_level, event) => logged.push(event),
    });
  });

  it('sends each reader of a batch once, even when SQS delivers the same message twice in one event', async () => {
    const records = slices(4).flatMap((b, i) => [record(`a${i}`, b), record(`b${i}`, b)]);
    const response = await handler({ Records: records }, {});
    // A duplicate that found a fresh claim asks for redelivery; a second invocation settles it.
    const again = await handler(
      {
        Records: records.filter((r) =>
          response.batchItemFailures.some((f) => f.itemIdentifier === r.messageId),
        ),
      },
      {},
    );
    expect(again.batchItemFailures).toEqual([]);
    expect(READERS.map((r) => mailer.to(r))).toEqual(Array(READERS.length).fill(1));
    expect(ledger.entries(ISSUE_ID).map((r) => r.state)).toEqual(Array(READERS.length).fill('sent'));
  });

  it('completes the issue when the last enqueued reader is settled, counting each reader once', async () => {
    const [first, second, third] = slices(4);
    await handler({ Records: [record('m1', first), record('m2', second)] }, {});
    expect((await issues.get(ISSUE_ID))?.state).toBe('sending');
    // A redelivered message settles nobody new and so does not bring completion closer.
    await handler({ Records: [record('m1-again', first)] }, {});
    expect(issues.settled.get(ISSUE_ID)).toBe(8);
    expect((await issues.get(ISSUE_ID))?.state).toBe('sending');
    await handler({ Records: [record('m3', third)] }, {});
    const done = await issues.get(ISSUE_ID);
    expect(done?.state).toBe('sent');
    expect(done?.sentAt).toBeDefined();
    expect(logged).toContain('issue sent');
  });

  it('reports only the bad records of a batch as failures and handles the rest', async () => {
    const newcomer = 'late@example.com';
    await subscribers.save(subscriber(newcomer, ['bxl']));
    const hostile: [string, unknown][] = [
      ['not-json', '{"issueId":'],
      ['no-recipients', { issueId: ISSUE_ID, recipients: [] }],
      ['bad-issue-id', { issueId: 'bxl-../../x', recipients: [{ email: newcomer }] }],
      ['extra-field', { issueId: ISSUE_ID, recipients: [{ email: newcomer }], priority: 1 }],
      ['unknown-issue', { issueId: 'bxl-1999-01-01', recipients: [{ email: newcomer }] }],
      ['huge', { issueId: ISSUE_ID, recipients: Array(101).fill({ email: newcomer }) }],
    ];
    const response = await handler(
      {
        Records: [
          ...hostile.map(([id, body]) => record(id, body)),
          record('good', { issueId: ISSUE_ID, recipients: [{ email: newcomer }] }),
        ],
      },
      {},
    );
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      hostile.map(([id]) => id).sort(),
    );
    expect(mailer.sent.map((m) => m.to)).toEqual([newcomer]);
  });
});
