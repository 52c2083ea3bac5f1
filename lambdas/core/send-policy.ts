import type { TidingsConfig } from './config.js';
import { planSendRate } from './send-rate.js';

/**
 * How sending behaves, derived from the validated configuration only, so the Lambda send function
 * and the local send workers claim, pace and share out the account's rate alike.
 */
export interface SendPolicy {
  /** A claim older than this belongs to a dead attempt (`unknown`). */
  leaseMs: number;
  /** Senders at once: the SQS event source's maximum concurrency, or the local worker slots. */
  maxConcurrency: number;
  /** SES messages a second each sender may send. */
  perWorkerRate: number;
  /** Readers per send-queue message. */
  recipientsPerMessage: number;
  /** First wait after SES throttles, doubled on each in-place retry. */
  backoffMs: number;
}

/** Readers per queue message: small enough for one send attempt, large enough to save requests. */
export const RECIPIENTS_PER_MESSAGE = 50;

/** The send policy of a configuration. */
export function sendPolicy(config: Pick<TidingsConfig, 'ses'>): SendPolicy {
  const plan = planSendRate(config.ses.maxSendRate);
  return {
    leaseMs: config.ses.claimLeaseSeconds * 1000,
    maxConcurrency: plan.maxConcurrency,
    perWorkerRate: plan.perWorkerRate,
    recipientsPerMessage: RECIPIENTS_PER_MESSAGE,
    backoffMs: 200,
  };
}
