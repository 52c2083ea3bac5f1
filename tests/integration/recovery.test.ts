import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import status from '../../cli/commands/status.js';
import type { CliContext } from '../../cli/context.js';
import { composeDeps, deliveryServices, runPass } from '../../cli/local/pipeline.js';
import { composeIssue } from '../../lambdas/core/compose.js';
import { type LedgerEntry, ledgerExpiry } from '../../lambdas/core/issue.js';
import type { SendBatch, SendQueue } from '../../lambdas/core/ports.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/**
 * Recovery without an operator: an issue a crash left `sending` (its queue lost with the process,
 * a claim left behind) is finished by the next scheduled pass, which finds the edition not due.
 */

let stack: TestStack;
let out: string[];
let ctx: CliContext;
let issueId: string;
// A past afternoon (UTC): every edition's issue of that day exists once composed.
const composedAt = new Date('2026-11-30T12:00:00.000Z');
const LEASE_MS = 180_000;
// The next scheduled pass, a few minutes later, past the lease: the edition is not due any more.
const later = new Date(composedAt.getTime() + LEASE_MS + 60_000);
const readersOf = async (): Promise<string[]> =>
  (await stack.inbox()).flatMap((e) => e.destination.to).map((t) => /<([^>]+)>/.exec(t)?.[1] ?? t);

beforeAll(async () => {
  stack = await startTestStack();
  ctx = {
    config: stack.config,
    home: stack.home,
    out: (line) => out.push(line),
    err: () => undefined,
    stack: async () => stack,
  };
  // Seed readers and briefs without sending anything.
  await runPass(stack, { now: composedAt, seedSamples: true, editions: [] });
  expect((await stack.inbox()).length).toBe(0);
  const services = await deliveryServices(stack);
  // A send interrupted after its fan-out: the queue died with the process, one claim was left,
  // one reader was mailed and recorded.
  const batches: SendBatch[] = [];
  const lost: SendQueue = {
    async enqueue(queued) {
      batches.push(...queued);
    },
  };
  const composed = await composeIssue(composeDeps(services, lost), { edition: 'sg', now: composedAt });
  expect(composed.outcome).toBe('composed');
  issueId = composed.issueId;
  const [first, second] = batches.flatMap((b) => b.recipients);
  if (!first || !second) throw new Error('too few readers');
  const at = composedAt.toISOString();
  const expiresAt = ledgerExpiry(composedAt);
  const row = (email: string, state: LedgerEntry['state']): LedgerEntry => ({
    issueId,
    email,
    state,
    claimToken: 'dead',
    claimedAt: at,
    updatedAt: at,
    expiresAt,
    ...(state === 'sent' ? { messageId: 'earlier', sentAt: at } : {}),
  });
  await services.ledger.create(row(first.email, 'sent'));
  await services.ledger.create(row(second.email, 'claimed'));
  await stack.clearInbox();
});
afterAll(async () => {
  await stack?.close();
});

describe('an interrupted send', () => {
  it('status shows it interrupted, with what remains', async () => {
    out = [];
    // Status reads the real clock, hours after the interruption.
    expect(await status(['--issue', issueId], ctx)).toBe(0);
    expect(out[0]).toMatch(/^sg-\S+ +sending /);
    expect(out[0]).toMatch(
      /interrupted: (\d+) remain \(\d+ not yet sent, 1 claims, 1 past their lease\); the next scheduled pass resumes it/,
    );
  });

  it('is finished by the next scheduled pass: readers without a row mailed once, the claim settled, the issue sent', async () => {
    const services = await deliveryServices(stack);
    const clock = { now: () => later };
    const [summary] = await runPass(stack, {
      now: later,
      editions: ['sg'],
      ingest: false,
      services: { clock },
    });
    expect(summary).toMatchObject({ outcome: 'resumed', issueId });
    const mailed = await readersOf();
    expect(new Set(mailed).size).toBe(mailed.length);
    const rows: LedgerEntry[] = [];
    for await (const row of services.ledger.list(issueId)) rows.push(row);
    const states = Object.fromEntries(rows.map((r) => [r.email, r.state]));
    // Only readers without a row were mailed; the one mailed before was not mailed again.
    expect(mailed).toHaveLength(rows.length - 2);
    expect(Object.values(states).filter((s) => s === 'unknown')).toHaveLength(1);
    expect(Object.values(states).filter((s) => s === 'claimed')).toHaveLength(0);
    expect((await services.issues.get(issueId))?.state).toBe('sent');
  });

  it('a pass after that finds nothing to resume', async () => {
    await stack.clearInbox();
    const [summary] = await runPass(stack, { now: later, editions: ['sg'], ingest: false });
    expect(summary?.outcome).toBe('not due');
    expect(await readersOf()).toHaveLength(0);
  });
});
