import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoLedgerStore } from '../../lambdas/adapters/dynamo-ledger-store.js';
import type { LedgerEntry } from '../../lambdas/core/issue.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const NOW = new Date('2026-11-30T12:00:00.000Z');
const FUTURE = Math.floor(NOW.getTime() / 1000) + 86_400;

let stack: TestStack;
let ledger: DynamoLedgerStore;
let n = 0;

beforeAll(async () => {
  stack = await startTestStack();
  ledger = new DynamoLedgerStore(stack.doc, stack.tables.ledger, () => NOW);
});
afterAll(async () => {
  await stack?.close();
});

/** A fresh (issue, recipient) per test. */
function claim(overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  n++;
  return {
    issueId: 'dc-2026-11-30',
    email: `r${n}@example.com`,
    state: 'claimed',
    claimToken: `t${n}`,
    claimedAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    expiresAt: FUTURE,
    ...overrides,
  };
}

describe('DynamoLedgerStore', () => {
  it('creates a row once; a second create returns the row that was there', async () => {
    const entry = claim();
    expect(await ledger.create(entry)).toEqual({ created: true });
    const second = await ledger.create({ ...entry, claimToken: 'other' });
    expect(second).toEqual({ created: false, existing: entry });
  });

  it('lets exactly one of many concurrent claims win', async () => {
    const entry = claim();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => ledger.create({ ...entry, claimToken: `racer${i}` })),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
  });

  it('treats an expired row as absent: reads skip it and a claim may replace it', async () => {
    const entry = claim({ state: 'sent', expiresAt: Math.floor(NOW.getTime() / 1000) - 1 });
    await ledger.create(entry);
    expect(await ledger.get(entry.issueId, entry.email)).toBeUndefined();
    expect(await ledger.create({ ...entry, state: 'claimed', expiresAt: FUTURE })).toEqual({ created: true });
  });

  it('marks sent only with the claim token that holds the row', async () => {
    const entry = claim();
    await ledger.create(entry);
    expect(await ledger.markSent(entry.issueId, entry.email, 'wrong', { messageId: 'm', sentAt: 'x' })).toBe(
      false,
    );
    expect(
      await ledger.markSent(entry.issueId, entry.email, entry.claimToken ?? '', {
        messageId: 'm1',
        sentAt: 's',
      }),
    ).toBe(true);
    expect(await ledger.get(entry.issueId, entry.email)).toMatchObject({
      state: 'sent',
      messageId: 'm1',
      sentAt: 's',
    });
    // Sent is final: no failure, unknown or release can follow.
    const token = entry.claimToken ?? '';
    expect(await ledger.markFailed(entry.issueId, entry.email, token, 'r', 'x')).toBe(false);
    expect(await ledger.markUnknown(entry.issueId, entry.email, token, 'x')).toBe(false);
    expect(await ledger.release(entry.issueId, entry.email, token)).toBe(false);
  });

  it('turns a stale claim unknown, and still accepts the original attempt marking it sent', async () => {
    const entry = claim();
    await ledger.create(entry);
    const token = entry.claimToken ?? '';
    expect(await ledger.markUnknown(entry.issueId, entry.email, token, 'later')).toBe(true);
    expect((await ledger.get(entry.issueId, entry.email))?.state).toBe('unknown');
    expect(await ledger.markSent(entry.issueId, entry.email, token, { messageId: 'late', sentAt: 's' })).toBe(
      true,
    );
  });

  it('releases only its own claim', async () => {
    const entry = claim();
    await ledger.create(entry);
    expect(await ledger.release(entry.issueId, entry.email, 'not-mine')).toBe(false);
    expect(await ledger.release(entry.issueId, entry.email, entry.claimToken ?? '')).toBe(true);
    expect(await ledger.get(entry.issueId, entry.email)).toBeUndefined();
  });

  it('counts resends on the row', async () => {
    const entry = claim({ state: 'sent', messageId: 'first' });
    await ledger.create(entry);
    await ledger.recordResend(entry.issueId, entry.email, { messageId: 'again1', sentAt: 'a' });
    await ledger.recordResend(entry.issueId, entry.email, { messageId: 'again2', sentAt: 'b' });
    expect(await ledger.get(entry.issueId, entry.email)).toMatchObject({
      resends: 2,
      resentAt: 'b',
      lastResendMessageId: 'again2',
      messageId: 'first',
    });
  });

  it('lists every row of an issue across pages, and no other issue', async () => {
    const issueId = 'sg-2026-11-30';
    const big = 'x'.repeat(3000);
    await Promise.all(
      Array.from({ length: 360 }, (_, i) =>
        ledger.create(claim({ issueId, email: `p${String(i).padStart(3, '0')}@example.com`, reason: big })),
      ),
    );
    await ledger.create(claim({ issueId: 'sg-2026-12-01' }));
    const rows = [];
    for await (const row of ledger.list(issueId)) rows.push(row);
    expect(rows).toHaveLength(360);
    expect(rows.every((r) => r.issueId === issueId)).toBe(true);
  });
});
