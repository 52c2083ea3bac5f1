import type { Brief, StoredBrief } from './brief.js';
import type { Recipient, Subscriber, SubscriberStatus, Suppression } from './subscriber.js';

/**
 * The ports of the core: what the domain needs from the outside world. Adapters in
 * `lambdas/adapters` implement them against DynamoDB, SES and SQS; tests use in-memory fakes.
 */

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface Page<T> {
  items: T[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  cursor?: string;
}

// ---------------------------------------------------------------- briefs

export type UpsertOutcome = 'new' | 'updated' | 'unchanged';

export interface BriefStore {
  /** Writes each brief unless the stored copy has the same content or a newer `updatedAt`. */
  upsert(brief: Brief, now: Date): Promise<UpsertOutcome>;
  get(id: string): Promise<StoredBrief | undefined>;
  /**
   * One edition's briefs, newest first by `updatedAt`, optionally only those updated after
   * `since` (exclusive) and up to `until` (inclusive). Retracted briefs are left out.
   */
  listByEdition(
    edition: string,
    options?: { since?: string; until?: string; limit?: number; cursor?: string },
  ): Promise<Page<StoredBrief>>;
  /** Keeps a brief out of every later issue; false when there is no such brief. */
  retract(id: string, now: Date): Promise<boolean>;
}

// ---------------------------------------------------------------- subscribers

/** Number of shards of each edition's active-reader index; fan-out reads them in parallel. */
export const SUBSCRIBER_SHARDS = 16;

export interface SubscriberStore {
  get(email: string): Promise<Subscriber | undefined>;
  /** Writes the subscriber and keeps its per-edition index entries in step with status and editions. */
  save(subscriber: Subscriber): Promise<void>;
  /** Active readers of an edition in one shard (0 ≤ shard < SUBSCRIBER_SHARDS), paginated. */
  listActive(edition: string, shard: number, cursor?: string): Promise<Page<Recipient>>;
  /** Every subscriber, optionally filtered; for operators' listings and exports. */
  list(filter?: { edition?: string; status?: SubscriberStatus }): AsyncIterable<Subscriber>;
  /** Erases a subscriber's personal data; keeps only a hashed suppression entry. */
  forget(email: string, now: Date): Promise<boolean>;
  /**
   * Whether the address must not be mailed: bounced or complained (now or before it was
   * forgotten), or forgotten and not subscribed again since (hashed lookup).
   */
  isSuppressed(email: string): Promise<boolean>;
  /** The hashed suppression entry of an address, if any, with its reason. */
  suppression(email: string): Promise<Suppression | undefined>;
}

// ---------------------------------------------------------------- mail

/** A message SES would not take, permanently (bad address, rejected content). Not retried. */
export class MessageRejectedError extends Error {
  override readonly name = 'MessageRejectedError';
}

/** SES is throttling or briefly unavailable; try again later. */
export class MailerThrottledError extends Error {
  override readonly name = 'MailerThrottledError';
}

export interface OutgoingMessage {
  /** The raw RFC 5322 message exactly as handed to SES. */
  raw: Uint8Array;
  from: string;
  to: string;
  /** Where a local copy goes under the outbox: the issue id, `confirmations` or `tests`. */
  folder: string;
}

export interface Mailer {
  /** Sends one raw message; resolves with the SES message id. */
  send(message: OutgoingMessage): Promise<{ messageId: string }>;
}
