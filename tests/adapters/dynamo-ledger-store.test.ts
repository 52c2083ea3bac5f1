import { BatchWriteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
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
  ledger = new DynamoLedgerStore(stack.dynamo, stack.tables.ledger, () => NOW);
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

  it('records a held claim sent, after which no failure, unknown or release applies', async () => {
    const entry = claim();
    await ledger.create(entry);
    await ledger.recordSent({ ...entry, state: 'sent', messageId: 'm1', sentAt: 's', updatedAt: 's' });
    expect(await ledger.get(entry.issueId, entry.email)).toEqual({
      ...entry,
      state: 'sent',
      messageId: 'm1',
      sentAt: 's',
      updatedAt: 's',
    });
    const token = entry.claimToken ?? '';
    expect(
      await ledger.settleClaim(entry.issueId, entry.email, token, { state: 'failed', reason: 'r', at: 'x' }),
    ).toBe(false);
    expect(await ledger.markUnknown(entry.issueId, entry.email, token, 'x')).toBe(false);
    expect(await ledger.release(entry.issueId, entry.email, token)).toBe(false);
  });

  it('turns a stale claim unknown, and still takes the original attempt recording it sent', async () => {
    const entry = claim();
    await ledger.create(entry);
    const token = entry.claimToken ?? '';
    expect(await ledger.markUnknown(entry.issueId, entry.email, token, 'later')).toBe(true);
    expect((await ledger.get(entry.issueId, entry.email))?.state).toBe('unknown');
    await ledger.recordSent({ ...entry, state: 'sent', messageId: 'late', sentAt: 's', updatedAt: 's' });
    expect(await ledger.get(entry.issueId, entry.email)).toMatchObject({ state: 'sent', messageId: 'late' });
  });

  it('stores the sent rows of concurrent sends together, 25 to a request, each settled once stored', async () => {
    const store = new DynamoLedgerStore(stack.dynamo, stack.tables.ledger, () => NOW, { sentLingerMs: 20 });
    const entries = Array.from({ length: 60 }, () => claim());
    await Promise.all(entries.map((e) => store.create(e)));
    const stored: string[] = [];
    await Promise.all(
      entries.map((e) =>
        store
          .recordSent({ ...e, state: 'sent', messageId: `m-${e.email}`, sentAt: 's', updatedAt: 's' })
          .then(async () => {
            // Settled means stored: the row reads back as sent at once.
            if ((await store.get(e.issueId, e.email))?.messageId === `m-${e.email}`) stored.push(e.email);
          }),
      ),
    );
    expect(stored).toHaveLength(60);
    // 25 + 25 at once, the last 10 after the linger.
    expect(store.sentRequests).toBe(3);
  });

  it('writes a lone sent row after the linger, without waiting for company', async () => {
    const store = new DynamoLedgerStore(stack.dynamo, stack.tables.ledger, () => NOW, { sentLingerMs: 5 });
    const entry = claim();
    await store.create(entry);
    await store.recordSent({ ...entry, state: 'sent', messageId: 'alone', sentAt: 's', updatedAt: 's' });
    expect((await store.get(entry.issueId, entry.email))?.messageId).toBe('alone');
    expect(store.sentRequests).toBe(1);
  });

  it('writes the rows waiting for company at once when asked to flush', async () => {
    const store = new DynamoLedgerStore(stack.dynamo, stack.tables.ledger, () => NOW, {
      sentLingerMs: 60_000,
    });
    const entry = claim();
    await store.create(entry);
    const written = store.recordSent({
      ...entry,
      state: 'sent',
      messageId: 'now',
      sentAt: 's',
      updatedAt: 's',
    });
    const late = new Promise((resolve) => setTimeout(() => resolve('still waiting'), 2_000));
    store.flushSent();
    expect(await Promise.race([written.then(() => 'written'), late])).toBe('written');
    expect((await store.get(entry.issueId, entry.email))?.messageId).toBe('now');
  });

  it("settles a claimed or unknown row sent from SES's Send event, and nothing else", async () => {
    const sent = { messageId: 'ses-1', sentAt: NOW.toISOString(), at: NOW.toISOString() };
    const held = claim();
    await ledger.create(held);
    expect(await ledger.settleFromSendEvent(held.issueId, held.email, sent)).toBe(true);
    expect(await ledger.get(held.issueId, held.email)).toMatchObject({ state: 'sent', messageId: 'ses-1' });
    const lost = claim();
    await ledger.create(lost);
    await ledger.markUnknown(lost.issueId, lost.email, lost.claimToken ?? '', NOW.toISOString());
    expect(await ledger.settleFromSendEvent(lost.issueId, lost.email, sent)).toBe(true);
    expect((await ledger.get(lost.issueId, lost.email))?.state).toBe('sent');
    const skipped = claim({ state: 'skipped', reason: 'not active' });
    await ledger.create(skipped);
    expect(await ledger.settleFromSendEvent(skipped.issueId, skipped.email, sent)).toBe(false);
    expect((await ledger.get(skipped.issueId, skipped.email))?.state).toBe('skipped');
    expect(await ledger.settleFromSendEvent('dc-2026-11-30', 'nobody@example.com', sent)).toBe(false);
    expect(await ledger.get('dc-2026-11-30', 'nobody@example.com')).toBeUndefined();
  });

  it('turns an unknown row into a claim for the operator, only while it is unknown', async () => {
    const lost = claim();
    await ledger.create(lost);
    expect(await ledger.claimUnknown(lost.issueId, lost.email, 'op', NOW.toISOString())).toBe(false);
    await ledger.markUnknown(lost.issueId, lost.email, lost.claimToken ?? '', NOW.toISOString());
    expect(await ledger.claimUnknown(lost.issueId, lost.email, 'op', NOW.toISOString())).toBe(true);
    expect(await ledger.get(lost.issueId, lost.email)).toMatchObject({ state: 'claimed', claimToken: 'op' });
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

// Faults dynalite never produces (a partly processed batch, a failed request), on a mocked client.
describe('DynamoLedgerStore sent rows under faults', () => {
  const sent = (email: string): LedgerEntry => ({
    ...claim({ email }),
    state: 'sent',
    messageId: `m-${email}`,
    sentAt: 's',
  });

  it('writes again what a request left unprocessed, and settles each row once it is written', async () => {
    const client = new DynamoDBClient({ region: 'us-east-1' });
    const mock = mockClient(client);
    const puts: string[][] = [];
    mock.on(BatchWriteItemCommand).callsFake((input: BatchWriteItemCommand['input']) => {
      const writes = input.RequestItems?.ledger ?? [];
      puts.push(writes.map((w) => w.PutRequest?.Item?.sk?.S ?? ''));
      // The first request leaves its second row unprocessed.
      return puts.length === 1 ? { UnprocessedItems: { ledger: writes.slice(1) } } : {};
    });
    const store = new DynamoLedgerStore(client, 'ledger', () => NOW, { sentLingerMs: 1 });
    const [a, b] = [sent('a@example.com'), sent('b@example.com')];
    await Promise.all([store.recordSent(a), store.recordSent(b)]);
    expect(puts).toEqual([['a@example.com', 'b@example.com'], ['b@example.com']]);
    const item = mock.commandCalls(BatchWriteItemCommand)[0]?.args[0].input.RequestItems?.ledger?.[0];
    expect(item?.PutRequest?.Item).toEqual(marshall({ pk: a.issueId, sk: a.email, ...a }));
  });

  it('never names one row twice in a request: a second row for the same key waits for the next', async () => {
    const client = new DynamoDBClient({ region: 'us-east-1' });
    const puts: string[][] = [];
    mockClient(client)
      .on(BatchWriteItemCommand)
      .callsFake((input: BatchWriteItemCommand['input']) => {
        puts.push((input.RequestItems?.ledger ?? []).map((w) => w.PutRequest?.Item?.sk?.S ?? ''));
        return {};
      });
    const store = new DynamoLedgerStore(client, 'ledger', () => NOW, { sentLingerMs: 1 });
    const row = sent('same@example.com');
    await Promise.all([
      store.recordSent(row),
      store.recordSent({ ...row, messageId: 'again' }),
      store.recordSent(sent('other@example.com')),
    ]);
    expect(puts).toEqual([['same@example.com', 'other@example.com'], ['same@example.com']]);
  });

  it('fails every row of a request that fails, and only those', async () => {
    const client = new DynamoDBClient({ region: 'us-east-1' });
    const mock = mockClient(client);
    let calls = 0;
    mock.on(BatchWriteItemCommand).callsFake(() => {
      calls++;
      if (calls === 1) throw new Error('service unavailable');
      return {};
    });
    const store = new DynamoLedgerStore(client, 'ledger', () => NOW, { sentLingerMs: 1 });
    const first = Promise.allSettled([
      store.recordSent(sent('c@example.com')),
      store.recordSent(sent('d@example.com')),
    ]);
    expect((await first).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(store.recordSent(sent('e@example.com'))).resolves.toBeUndefined();
  });

  it('gives up on rows that stay unprocessed, naming how many', async () => {
    const client = new DynamoDBClient({ region: 'us-east-1' });
    mockClient(client)
      .on(BatchWriteItemCommand)
      .callsFake((input: BatchWriteItemCommand['input']) => ({ UnprocessedItems: input.RequestItems }));
    const store = new DynamoLedgerStore(client, 'ledger', () => NOW, { sentLingerMs: 1 });
    await expect(store.recordSent(sent('f@example.com'))).rejects.toThrow(
      /1 sent ledger rows of ledger stayed unprocessed after 6 attempts/,
    );
  });
});
