import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onInterrupt, type SignalSource, stoppedLines } from '../../cli/interrupt.js';
import { deliveryServices, runPass } from '../../cli/local/pipeline.js';
import type { LedgerEntry } from '../../lambdas/core/issue.js';
import type { Mailer } from '../../lambdas/core/ports.js';
import type { Subscriber } from '../../lambdas/core/subscriber.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/**
 * Ctrl-C during a send: no new reader is claimed, the messages past their claim finish and are
 * recorded, nothing stays `claimed`, and the next pass sends to the rest, once each.
 */

const READERS = 40;
const at = new Date('2026-11-30T12:00:00.000Z');
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
  // Briefs and the sample readers, nothing sent; then more readers of SG.
  await runPass(stack, { now: at, seedSamples: true, editions: [] });
  const services = await deliveryServices(stack);
  for (let i = 0; i < READERS; i++) {
    const reader: Subscriber = {
      email: `reader${i}@example.com`,
      status: 'active',
      editions: ['sg'],
      createdAt: at.toISOString(),
      updatedAt: at.toISOString(),
      consent: { method: 'operator', givenAt: at.toISOString(), confirmedAt: at.toISOString() },
    };
    await services.subscribers.save(reader);
  }
});

afterAll(async () => {
  await stack?.close();
});

async function ledgerOf(issueId: string): Promise<LedgerEntry[]> {
  const services = await deliveryServices(stack);
  const rows: LedgerEntry[] = [];
  for await (const row of services.ledger.list(issueId)) rows.push(row);
  return rows;
}

describe('Ctrl-C during a send', () => {
  it('stops claiming readers, leaves nothing claimed, and the next pass sends to the rest once each', async () => {
    const services = await deliveryServices(stack);
    const stop = new AbortController();
    let calls = 0;
    let callsAfterStop = 0;
    // Ctrl-C is pressed as the third message goes to SES.
    const mailer: Mailer = {
      async send(message) {
        calls++;
        if (stop.signal.aborted) callsAfterStop++;
        if (calls === 3) stop.abort();
        return services.mailer.send(message);
      },
    };
    const [summary] = await runPass(stack, {
      now: at,
      editions: ['sg'],
      force: true,
      ingest: false,
      services: { mailer, clock: { now: () => at } },
      stop: stop.signal,
    });
    if (!summary) throw new Error('no summary');
    const rows = await ledgerOf(summary.issueId);
    expect(rows.filter((r) => r.state === 'claimed')).toEqual([]);
    const sent = rows.filter((r) => r.state === 'sent').length;
    expect(sent).toBe(calls);
    expect(sent).toBeLessThan(summary.enqueued);
    // Only sends already past their claim when Ctrl-C came went on: one per send worker at most.
    expect(callsAfterStop).toBeLessThanOrEqual(services.config.ses.maxSendRate);
    expect((await services.issues.get(summary.issueId))?.state).toBe('sending');
    expect(stoppedLines([summary])).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${summary.issueId}: stopped with ${sent} readers mailed and ${summary.enqueued - rows.length} readers not yet, none left claimed; the next "tidings run --once"`,
        ),
      ),
    ]);

    // The next pass finishes the issue: every reader mailed exactly once.
    const later = new Date(at.getTime() + 60_000);
    await runPass(stack, {
      now: later,
      editions: ['sg'],
      ingest: false,
      services: { clock: { now: () => later } },
    });
    const after = await ledgerOf(summary.issueId);
    expect(after.filter((r) => r.state === 'sent')).toHaveLength(summary.enqueued);
    const inbox = (await stack.inbox()).flatMap((e) => e.destination.to);
    expect(new Set(inbox).size).toBe(inbox.length);
    expect(inbox).toHaveLength(summary.enqueued);
    expect((await services.issues.get(summary.issueId))?.state).toBe('sent');
  });
});

describe('onInterrupt', () => {
  it('aborts at the first Ctrl-C, ends the process at the second, and lets go when disposed', () => {
    const events = new EventEmitter();
    const exits: number[] = [];
    const source = Object.assign(events, {
      exit: (code: number): never => {
        exits.push(code);
        return undefined as never;
      },
    }) as unknown as SignalSource;
    const said: string[] = [];
    const interrupt = onInterrupt((line) => said.push(line), source);
    events.emit('SIGINT');
    expect(interrupt.signal.aborted).toBe(true);
    expect(exits).toEqual([]);
    expect(said[0]).toMatch(/^stopping: no new reader is claimed/);
    events.emit('SIGINT');
    expect(exits).toEqual([1]);
    interrupt.dispose();
    expect(events.listenerCount('SIGINT')).toBe(0);
    expect(events.listenerCount('SIGTERM')).toBe(0);
  });
});
