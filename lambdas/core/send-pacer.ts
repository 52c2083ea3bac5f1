/** Time as the limiter sees it: a monotonic millisecond reading and a way to wait. */
export interface PaceClock {
  nowMs(): number;
  sleep(ms: number): Promise<void>;
}

export interface SendPacerOptions {
  /** Permits per second. */
  rate: number;
  /** Permits that may be taken back to back after an idle spell; 1 spaces every permit evenly. */
  burst?: number;
}

/**
 * A token bucket (kept as the "theoretical arrival time" of the next permit, which is the same
 * bucket without a refill loop). Concurrent callers each reserve their own slot before waiting,
 * so a worker sending several messages at once still keeps to `rate` in total.
 */
export class SendPacer {
  private readonly intervalMs: number;
  private readonly burstMs: number;
  /** When the bucket would be full again ("theoretical arrival time" of the next permit). */
  private tatMs = Number.NEGATIVE_INFINITY;

  constructor(
    options: SendPacerOptions,
    private readonly pacer: PaceClock,
  ) {
    if (!(options.rate > 0) || !Number.isFinite(options.rate)) {
      throw new RangeError(`rate must be a positive number, got ${options.rate}`);
    }
    const burst = options.burst ?? 1;
    if (!Number.isInteger(burst) || burst < 1)
      throw new RangeError(`burst must be an integer ≥ 1, got ${burst}`);
    // Rounded up to the microsecond: `rate` intervals must never add up to less than a second.
    this.intervalMs = Math.ceil(1_000_000 / options.rate) / 1000;
    this.burstMs = (burst - 1) * this.intervalMs;
  }

  /** Resolves when the caller may make one call; permits are handed out in call order. */
  async acquire(): Promise<void> {
    const now = this.pacer.nowMs();
    const tat = Math.max(this.tatMs, now);
    this.tatMs = tat + this.intervalMs;
    const wait = tat - this.burstMs - now;
    if (wait > 0) await this.pacer.sleep(wait);
  }
}

/** The real clock: `performance.now()` and `setTimeout`. */
export const realPaceClock: PaceClock = {
  nowMs: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
