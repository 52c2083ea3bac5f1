import { describe, expect, it } from 'vitest';
import { MemorySendQueue } from '../../cli/local/memory-send-queue.js';
import type { SendBatch } from '../../lambdas/core/ports.js';

const batch = (n: number): SendBatch => ({
  issueId: 'dc-2026-11-30',
  recipients: [{ email: `r${n}@example.com` }],
});

describe('MemorySendQueue (the local send queue)', () => {
  it('hands every batch to a worker, at most `concurrency` at once', async () => {
    const queue = new MemorySendQueue({ concurrency: 3 });
    await queue.enqueue(Array.from({ length: 12 }, (_, i) => batch(i)));
    let busy = 0;
    let peak = 0;
    const seen: string[] = [];
    await queue.drain(async (b) => {
      busy++;
      peak = Math.max(peak, busy);
      await new Promise((r) => setTimeout(r, 5));
      seen.push(b.recipients[0]?.email ?? '');
      busy--;
      return { retry: false };
    });
    expect(seen.sort()).toEqual(Array.from({ length: 12 }, (_, i) => `r${i}@example.com`).sort());
    expect(peak).toBe(3);
    expect(queue.size).toBe(0);
  });

  it('delivers a failed or thrown batch again after the delay, and sets it aside after max attempts', async () => {
    const queue = new MemorySendQueue({ redeliveryDelayMs: 5, maxAttempts: 3 });
    await queue.enqueue([batch(1), batch(2), batch(3)]);
    const attempts = new Map<string, number>();
    await queue.drain(async (b) => {
      const email = b.recipients[0]?.email ?? '';
      const n = (attempts.get(email) ?? 0) + 1;
      attempts.set(email, n);
      if (email === 'r1@example.com' && n < 2) return { retry: true };
      if (email === 'r2@example.com' && n < 3) throw new Error('worker crashed');
      if (email === 'r3@example.com') return { retry: true };
      return { retry: false };
    });
    expect(Object.fromEntries(attempts)).toEqual({
      'r1@example.com': 2,
      'r2@example.com': 3,
      'r3@example.com': 3,
    });
    expect(queue.dead.map((d) => d.batch.recipients[0]?.email)).toEqual(['r3@example.com']);
  });

  it('delivers every batch twice when asked to (at-least-once made certain)', async () => {
    const queue = new MemorySendQueue({ duplicate: true });
    await queue.enqueue([batch(1), batch(2)]);
    let deliveries = 0;
    await queue.drain(async () => {
      deliveries++;
      return { retry: false };
    });
    expect(deliveries).toBe(4);
  });

  it('handles batches enqueued while draining', async () => {
    const queue = new MemorySendQueue({ concurrency: 1 });
    await queue.enqueue([batch(1)]);
    const seen: string[] = [];
    await queue.drain(async (b) => {
      seen.push(b.recipients[0]?.email ?? '');
      if (seen.length === 1) await queue.enqueue([batch(2)]);
      return { retry: false };
    });
    expect(seen).toEqual(['r1@example.com', 'r2@example.com']);
  });
});
