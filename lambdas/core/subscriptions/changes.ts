import type { EditionConfig, TidingsConfig } from '../config.js';
import { ConcurrentUpdateError, type Consent, type ConsentMethod, type Subscriber } from '../subscriber.js';
import { hashClientAddress } from '../tokens.js';
import type { SubscriptionDeps } from './deps.js';

/**
 * What every use case shares: retries after a concurrent save, edition lists in configuration
 * order, consent records, and copies of a subscriber with changes applied.
 */
export const MAX_ATTEMPTS = 4;

/** Re-reads and re-applies a change when another writer saved the subscriber first. */
export async function withRetry<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

export function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

export function ordered(config: TidingsConfig, ids: readonly string[]): string[] {
  const wanted = new Set(ids);
  return config.editions.filter((e) => wanted.has(e.id)).map((e) => e.id);
}

export function editionConfigs(config: TidingsConfig, ids: readonly string[]): EditionConfig[] {
  const wanted = new Set(ids);
  return config.editions.filter((e) => wanted.has(e.id));
}

export function isHardSuppressed(status: Subscriber['status'] | undefined): boolean {
  return status === 'bounced' || status === 'complained';
}

export function consentOf(
  deps: Pick<SubscriptionDeps, 'keyring'>,
  method: ConsentMethod,
  at: string,
  clientAddress: string | undefined,
): Consent {
  const consent: Consent = { method, givenAt: at };
  if (clientAddress) consent.clientHash = hashClientAddress(deps.keyring, clientAddress);
  return consent;
}

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * 86_400_000);
}

export type Changes = { [K in keyof Subscriber]?: Subscriber[K] | undefined };

/** A copy of `base` with `changes` applied; a change to `undefined` removes the field. */
export function patch(base: Subscriber, changes: Changes): Subscriber {
  const out: Record<string, unknown> = { ...base, ...changes };
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
  return out as unknown as Subscriber;
}

/** Removes the optional fields whose value is undefined (exactOptionalPropertyTypes forbids them). */
export function compact(subscriber: Subscriber): Subscriber {
  return patch(subscriber, {});
}
