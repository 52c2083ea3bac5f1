import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import doctor from '../../../../cli/commands/doctor.js';
import type { CliContext } from '../../../../cli/context.js';
import type { LocalStack } from '../../../../cli/local/stack.js';
import { DynamoSubscriberStore } from '../../../../lambdas/adapters/dynamo-subscriber-store.js';
import { parseConfig } from '../../../../lambdas/core/config.js';
import { startTestStack, type TestStack } from '../../../support/stack.js';

const settings = JSON.parse(readFileSync('cdk.json', 'utf8')).context.tidings as Record<string, unknown>;

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
}, 60_000);
afterAll(() => stack?.close());

function context(
  overrides: Record<string, unknown> = {},
  local: () => Promise<LocalStack> = async () => stack,
): { ctx: CliContext; lines: string[] } {
  const lines: string[] = [];
  const ctx = {
    config: parseConfig({ ...settings, ...overrides }),
    home: '.tidings',
    out: (line: string) => lines.push(line),
    err: (line: string) => lines.push(line),
    stack: local,
  } satisfies CliContext;
  return { ctx, lines };
}

describe('tidings doctor (local setup)', () => {
  it('prints one ok line per check and exits 0 for the shipped settings', async () => {
    const { ctx, lines } = context();
    expect(await doctor([], ctx)).toBe(0);
    expect(lines[0]).toBe('ok configuration: stage dev, 6 editions, 1 source');
    expect(lines).toContain('ok source sample-briefs: samples/briefs.json is a local file');
    for (const line of lines) expect(line).toMatch(/^(ok|warn) [a-z -]+: /);
  });

  it('fails a source it cannot read, says what to do, and exits 1', async () => {
    const { ctx, lines } = context({ sources: [{ id: 'lost', location: 'samples/lost.json' }] });
    expect(await doctor([], ctx)).toBe(1);
    expect(lines).toContain(
      'fail source lost: samples/lost.json no such file — check the location, or remove the source',
    );
  });

  it("warns when an edition's active readers take more than an hour at ses.maxSendRate, and still exits 0", async () => {
    const store = new DynamoSubscriberStore(stack.doc, stack.tables.subscribers);
    const at = '2026-11-30T12:00:00.000Z';
    for (let i = 0; i < 4; i++) {
      await store.save({
        email: `reader${i}@example.com`,
        status: 'active',
        editions: ['dc'],
        createdAt: at,
        updatedAt: at,
        consent: { method: 'operator', givenAt: at, confirmedAt: at },
      });
    }
    // 4 readers at 0.001/s: 4,000 s.
    const { ctx, lines } = context({ ses: { maxSendRate: 0.001 } });
    expect(await doctor([], ctx)).toBe(0);
    expect(lines.at(-1)).toBe(
      'warn send time: dc: 4 active readers take 67 min at ses.maxSendRate 0.001/s, over an hour — ask AWS for a higher SES sending rate, then raise ses.maxSendRate (the time at each rate: bench/SCALE.md)',
    );
  });

  it('fails the send-time check, not the command, when the local stack cannot start', async () => {
    const { ctx, lines } = context({}, () => Promise.reject(new Error('port 8000 is taken')));
    expect(await doctor([], ctx)).toBe(1);
    expect(lines.at(-1)).toBe(
      'fail send time: port 8000 is taken — start the local stack (tidings dev) or check $TIDINGS_HOME, then run doctor again',
    );
  });
});
