import type { Brief, StoredBrief } from './brief.js';
import { TidingsError } from './errors.js';
import type { Issue, IssueState, IssueWaves, LedgerEntry } from './issue.js';
import type { StoryRef } from './stories/story.js';
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
  /** {@link BriefStore.upsert} for many briefs (distinct ids); outcomes in the same order. */
  upsertMany(briefs: readonly Brief[], now: Date): Promise<UpsertOutcome[]>;
  /** The stored briefs among `ids` (absent ids are left out), retracted ones included. */
  getMany(ids: readonly string[]): Promise<Map<string, StoredBrief>>;
  /** Every stored brief, retracted ones included, optionally only one edition's; any order. */
  listAll(filter?: { edition?: string }): AsyncIterable<StoredBrief>;
  /**
   * One edition's stories (briefs built from feed items) updated after `since`, with just what
   * story matching reads; retracted ones too, marked `retracted`. Indexed queries, never a scan.
   */
  listStories(edition: string, since: string): AsyncIterable<StoryRef>;
  /** What a source's last successful fetch left (validators for a conditional GET). */
  getSourceState(sourceId: string): Promise<SourceState | undefined>;
  putSourceState(sourceId: string, state: SourceState): Promise<void>;
}

/** Per-source fetch state kept between ingest runs. */
export interface SourceState {
  etag?: string;
  lastModified?: string;
  /** Hash of the source's settings when the validators were taken; a change forces a full fetch. */
  configHash?: string;
  fetchedAt?: string;
}

// ---------------------------------------------------------------- subscribers

/** Number of shards of each edition's active-reader index; fan-out reads them in parallel. */
export const SUBSCRIBER_SHARDS = 16;

/** Number of shards of each (edition, zone) in the zone index; a wave reads them in parallel. */
export const ZONE_SHARDS = 4;

/** The zone key of readers who chose no zone: they are in the edition's own zone's wave. */
export const NO_ZONE = '-';

export interface SubscriberStore {
  get(email: string): Promise<Subscriber | undefined>;
  /** Writes the subscriber and keeps its per-edition index entries in step with status and editions. */
  save(subscriber: Subscriber): Promise<void>;
  /** Active readers of an edition in one shard (0 ≤ shard < SUBSCRIBER_SHARDS), paginated. */
  listActive(edition: string, shard: number, cursor?: string): Promise<Page<Recipient>>;
  /**
   * Zones in which the edition has (or has had) active readers: IANA names, and {@link NO_ZONE}
   * for readers who chose none. Never shrinks; a zone whose readers left gives an empty wave.
   */
  listZones(edition: string): Promise<string[]>;
  /**
   * Active readers of an edition in one zone ({@link NO_ZONE}: those who chose none) and one
   * shard (0 ≤ shard < ZONE_SHARDS), paginated; an index query, never a scan.
   */
  listActiveInZone(edition: string, zone: string, shard: number, cursor?: string): Promise<Page<Recipient>>;
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
export class MessageRejectedError extends TidingsError {
  override readonly name = 'MessageRejectedError';
  override readonly kind = 'internal';
}

/** SES is throttling or briefly unavailable; try again later. */
export class MailerThrottledError extends TidingsError {
  override readonly name = 'MailerThrottledError';
  override readonly kind = 'rate-limited';
}

export interface OutgoingMessage {
  /** The raw RFC 5322 message exactly as handed to SES. */
  raw: Uint8Array;
  from: string;
  to: string;
  /** Where a local copy goes under the outbox: the issue id, `confirmations` or `tests`. */
  folder: string;
  /**
   * The issue a digest belongs to; the mailer sends it as an SES message tag, so SES's own
   * events for the message (Send, Bounce, Complaint) name the issue (see core/feedback.ts).
   */
  issueId?: string;
}

export interface Mailer {
  /** Sends one raw message; resolves with the SES message id. */
  send(message: OutgoingMessage): Promise<{ messageId: string }>;
}

// ---------------------------------------------------------------- delivery (issues, ledger, send queue)

/** Issue records: one per edition and local date. */
export interface IssueStore {
  get(issueId: string): Promise<Issue | undefined>;
  /** Only the state, read strongly consistent and without the rendered parts (checked before every send). */
  getState(issueId: string): Promise<IssueState | undefined>;
  /** Writes a new issue; false (and nothing written) when one with that id exists. */
  create(issue: Issue): Promise<boolean>;
  /**
   * Replaces an issue only while its stored state is one of `from`; returns the stored issue
   * after the write, or undefined when the state did not match (someone else moved it first).
   */
  replace(issue: Issue, from: readonly IssueState[]): Promise<Issue | undefined>;
  /**
   * One edition's issues, newest local date first, without their rendered `html` and `text`
   * (listings need only the record; `get` returns the whole issue).
   */
  listByEdition(edition: string, options?: { limit?: number }): Promise<Issue[]>;
  /**
   * Adds `settled` to the count of readers the send path settled for the issue and returns the
   * new count: a cheap hint that the issue may be complete (the ledger decides). Optional.
   */
  countSettled?(issueId: string, settled: number): Promise<number>;
  /**
   * Stores the issue's waves and counts, only while it is `sending` and its stored waves are at
   * `revision` (a concurrent sweep or a cancel moved it first: false, nothing written).
   */
  updateWaves(
    issueId: string,
    waves: IssueWaves,
    counts: Issue['counts'],
    revision: number,
    at: string,
  ): Promise<boolean>;
}

/**
 * The send ledger: one row per (issue, recipient). Claims and every other change are conditional
 * single-item writes; only recording a held claim as sent is not (see {@link LedgerStore.recordSent}).
 */
export interface LedgerStore {
  get(issueId: string, email: string): Promise<LedgerEntry | undefined>;
  /**
   * Creates the row unless one exists (an expired row counts as absent). Returns `created: true`,
   * or the row that was there first.
   */
  create(
    entry: LedgerEntry,
  ): Promise<{ created: true } | { created: false; existing: LedgerEntry | undefined }>;
  /**
   * Records a claim this attempt holds as sent: `row` is the claimed row with `state: 'sent'`, the
   * SES `messageId` and `sentAt`. Settles once the row is stored. Only the holder of a claim gets
   * here, and `sent` rightly replaces an `unknown` written after the claim's lease ran out, so the
   * write needs no condition; that lets an adapter store the rows of concurrent sends together.
   */
  recordSent(row: LedgerEntry): Promise<void>;
  /** Writes the `sent` rows waiting for company now (a slice is done and waits for its rows). */
  flushSent?(): void;
  /**
   * Settles our own claim without a send: `failed` (SES rejected it for good), or `skipped` /
   * `cancelled` (the status read that went out with the claim said not to mail). Only while the
   * claim is still ours.
   */
  settleClaim(
    issueId: string,
    email: string,
    claimToken: string,
    settled: { state: 'failed' | 'skipped' | 'cancelled'; reason: string; at: string },
  ): Promise<boolean>;
  /** Turns someone's stale claim into `unknown`; only while it is still that claim. */
  markUnknown(issueId: string, email: string, claimToken: string, at: string): Promise<boolean>;
  /** Deletes our own claim (SES throttled: nothing was sent, another attempt may claim again). */
  release(issueId: string, email: string, claimToken: string): Promise<boolean>;
  /**
   * SES's Send event says the message went: a `claimed` or `unknown` row becomes `sent` with the
   * event's message id. Other rows are left alone; false when nothing changed.
   */
  settleFromSendEvent(
    issueId: string,
    email: string,
    sent: { messageId: string; sentAt: string; at: string },
  ): Promise<boolean>;
  /**
   * The operator checked an `unknown` reader and sends again (`tidings resend --unknown`): the
   * `unknown` row becomes our claim, only while it is still `unknown`.
   */
  claimUnknown(issueId: string, email: string, claimToken: string, at: string): Promise<boolean>;
  /** Records one more copy sent by the operator (`tidings resend`). */
  recordResend(issueId: string, email: string, sent: { messageId: string; sentAt: string }): Promise<void>;
  /** Every row of an issue, in recipient order. */
  list(issueId: string): AsyncIterable<LedgerEntry>;
}

/** One queue message: a slice of an issue's recipients for one send worker. */
export interface SendBatch {
  issueId: string;
  recipients: Recipient[];
}

export interface SendQueue {
  /** Queues the batches (at-least-once: a batch may be delivered more than once). */
  enqueue(batches: readonly SendBatch[]): Promise<void>;
}

/** What the sender must know about one reader just before mailing them (invariant 2). */
export interface SendCheck {
  /** The issue's state now; undefined when there is no such issue. */
  state: IssueState | undefined;
  subscriber: Pick<Subscriber, 'status' | 'editions' | 'name'> | undefined;
  /** As {@link SubscriberStore.isSuppressed}. */
  suppressed: boolean;
}

/**
 * Reads a {@link SendCheck} in one round trip (issue state, subscriber profile and suppression
 * entry together), strongly consistent. Optional: without it the sender asks the issue and
 * subscriber stores separately.
 */
export interface SendChecks {
  check(issueId: string, email: string): Promise<SendCheck>;
}

/** Builds the raw message for one reader of an issue (MIME encoded once per issue, personalised per reader). */
export interface MessageBuilder {
  build(issue: Issue, recipient: Recipient): Promise<OutgoingMessage>;
}
