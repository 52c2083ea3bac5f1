import type { SendBatch, SendQueue } from '../../lambdas/core/ports.js';

export interface MemorySendQueueOptions {
  /** Batches handled at once (send workers); default 4. */
  concurrency?: number;
  /** How long a failed batch waits before it is delivered again; default 250 ms. */
  redeliveryDelayMs?: number;
  /** Deliveries before a batch is set aside as dead; default 10. */
  maxAttempts?: number;
  /** Deliver every batch twice, at once (at-least-once delivery made certain, for tests). */
  duplicate?: boolean;
}

/** What a worker says about a batch: `retry` asks for it again later (SQS: a partial batch failure). */
export type BatchHandler = (batch: SendBatch) => Promise<{ retry: boolean }>;

interface Entry {
  batch: SendBatch;
  attempts: number;
  notBefore: number;
}

/**
 * The local stand-in for the SQS send queue: at-least-once, a fixed number of concurrent
 * workers, failed batches delivered again after a delay, dead batches kept aside.
 */
export class MemorySendQueue implements SendQueue {
  private readonly waiting: Entry[] = [];
  private readonly options: Required<MemorySendQueueOptions>;
  readonly dead: { batch: SendBatch; error?: unknown }[] = [];
  deliveries = 0;

  constructor(options: MemorySendQueueOptions = {}) {
    this.options = {
      concurrency: options.concurrency ?? 4,
      redeliveryDelayMs: options.redeliveryDelayMs ?? 250,
      maxAttempts: options.maxAttempts ?? 10,
      duplicate: options.duplicate ?? false,
    };
  }

  async enqueue(batches: readonly SendBatch[]): Promise<void> {
    for (const batch of batches) {
      const copies = this.options.duplicate ? 2 : 1;
      for (let i = 0; i < copies; i++) this.waiting.push({ batch, attempts: 0, notBefore: 0 });
    }
  }

  /** Batches not yet handled (waiting or waiting to be redelivered). */
  get size(): number {
    return this.waiting.length;
  }

  /**
   * Runs the workers until every batch is handled or dead. Batches enqueued meanwhile are handled
   * too. Once `stop` is aborted (Ctrl-C), workers take no further batch and return when the one in
   * hand is done; what is still waiting stays in {@link size}.
   */
  async drain(handler: BatchHandler, stop?: AbortSignal): Promise<void> {
    let busy = 0;
    const worker = async (): Promise<void> => {
      for (;;) {
        if (stop?.aborted) return;
        const now = Date.now();
        const index = this.waiting.findIndex((entry) => entry.notBefore <= now);
        if (index < 0) {
          if (this.waiting.length === 0 && busy === 0) return;
          // Nothing ready: wait for the earliest redelivery, or for a busy worker to finish.
          const next = Math.min(...this.waiting.map((e) => e.notBefore), now + 20);
          await new Promise((resolve) => setTimeout(resolve, Math.max(1, next - now)));
          continue;
        }
        const [entry] = this.waiting.splice(index, 1);
        if (!entry) continue;
        busy++;
        entry.attempts++;
        this.deliveries++;
        let error: unknown;
        let retry: boolean;
        try {
          retry = (await handler(entry.batch)).retry;
        } catch (caught) {
          error = caught;
          retry = true;
        } finally {
          busy--;
        }
        if (!retry) continue;
        if (stop?.aborted) {
          // Handed back unfinished because of the stop: kept for whoever resumes, not counted.
          this.waiting.push(entry);
          continue;
        }
        if (entry.attempts >= this.options.maxAttempts) {
          this.dead.push({ batch: entry.batch, error });
        } else {
          this.waiting.push({ ...entry, notBefore: Date.now() + this.options.redeliveryDelayMs });
        }
      }
    };
    await Promise.all(Array.from({ length: this.options.concurrency }, worker));
  }
}
