/**
 * How the account's SES send rate is shared out. The send queue's event source runs at most
 * `maxConcurrency` senders at once and each paces itself at `perWorkerRate`, so together they can
 * never exceed the account's maximum send rate: the account is not throttled by design.
 */
export interface SendRatePlan {
  /** Maximum concurrent send workers (the SQS event source's maximum concurrency, ≥ 2 as SQS requires). */
  maxConcurrency: number;
  /** Messages per second each worker may send. */
  perWorkerRate: number;
}

/** A worker that sends about this many messages a second keeps a Lambda busy without idling on the pace. */
const TARGET_PER_WORKER = 10;

export function planSendRate(maxSendRate: number): SendRatePlan {
  if (!(maxSendRate > 0)) throw new RangeError(`maxSendRate must be positive, got ${maxSendRate}`);
  const maxConcurrency = Math.min(1000, Math.max(2, Math.floor(maxSendRate / TARGET_PER_WORKER)));
  return { maxConcurrency, perWorkerRate: maxSendRate / maxConcurrency };
}
