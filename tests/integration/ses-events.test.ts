import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoLedgerStore } from '../../lambdas/adapters/dynamo-ledger-store.js';
import { SesMailer } from '../../lambdas/adapters/ses-mailer.js';
import type { LedgerEntry } from '../../lambdas/core/issue.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/**
 * The SES stand-in's side emits SES's Send event for every message it accepts, into the feedback
 * code, whatever became of the sender: a claim left by a sender that died after SES took the
 * message is settled `sent`.
 */

const ISSUE = 'dc-2026-11-30';
let stack: TestStack;
let ledger: DynamoLedgerStore;

beforeAll(async () => {
  stack = await startTestStack();
  ledger = new DynamoLedgerStore(stack.dynamo, stack.tables.ledger);
});
afterAll(async () => {
  await stack?.close();
});

function claim(email: string): LedgerEntry {
  const at = new Date().toISOString();
  return {
    issueId: ISSUE,
    email,
    state: 'claimed',
    claimToken: 'dead-sender',
    claimedAt: at,
    updatedAt: at,
    expiresAt: Math.floor(Date.now() / 1000) + 86_400,
  };
}

const raw = (to: string): Uint8Array =>
  new TextEncoder().encode(
    `From: Tidings <digest@tidings.example>\r\nTo: ${to}\r\nSubject: Hello\r\nContent-Type: text/plain\r\n\r\nBody\r\n`,
  );

async function settled(email: string): Promise<LedgerEntry | undefined> {
  // The event is applied as soon as the stand-in has answered; a few reads cover the hand-over.
  for (let i = 0; i < 100; i++) {
    const row = await ledger.get(ISSUE, email);
    if (row?.state !== 'claimed') return row;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return ledger.get(ISSUE, email);
}

describe('Send events from the SES stand-in', () => {
  it("settle the claim of a sender that died after SES took the message, with SES's message id", async () => {
    await ledger.create(claim('ada@example.com'));
    const mailer = new SesMailer(stack.ses, { configurationSet: 'tidings' });
    // The sender's SES call; it "dies" before writing its sent row.
    const { messageId } = await mailer.send({
      raw: raw('ada@example.com'),
      from: 'digest@tidings.example',
      to: 'ada@example.com',
      folder: ISSUE,
      issueId: ISSUE,
    });
    expect(await settled('ada@example.com')).toMatchObject({ state: 'sent', messageId });
  });

  it('leave readers of mail without an issue tag alone', async () => {
    await ledger.create(claim('ben@example.com'));
    await new SesMailer(stack.ses).send({
      raw: raw('ben@example.com'),
      from: 'digest@tidings.example',
      to: 'ben@example.com',
      folder: 'tests',
    });
    // A tagged message sent after it is settled, so the untagged one was handled before.
    await ledger.create(claim('cleo@example.com'));
    await new SesMailer(stack.ses).send({
      raw: raw('cleo@example.com'),
      from: 'digest@tidings.example',
      to: 'cleo@example.com',
      folder: ISSUE,
      issueId: ISSUE,
    });
    expect((await settled('cleo@example.com'))?.state).toBe('sent');
    expect((await ledger.get(ISSUE, 'ben@example.com'))?.state).toBe('claimed');
  });
});
