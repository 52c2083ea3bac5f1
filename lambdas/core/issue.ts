import { TidingsError } from './errors.js';
/**
 * The issue record and the send ledger's rows. An issue is one edition's digest for one local
 * date; the ledger holds one row per (issue, recipient) and is what makes sending at most once.
 */

/**
 * How many of an edition's latest issues the recovery of interrupted sends and the completion
 * sweep look at: a week of daily issues.
 */
export const RECENT_ISSUES = 7;

export const ISSUE_STATES = ['held', 'sending', 'sent', 'skipped', 'cancelled'] as const;
/**
 * `held`: composed, waiting for `tidings approve`; `sending`: fanned out to the send queue;
 * `sent`: the local pass saw its queue drain; `skipped`: nothing to send (see `skipReason`);
 * `cancelled`: stopped by the operator, unsent readers are recorded `cancelled`.
 */
export type IssueState = (typeof ISSUE_STATES)[number];

/** What an issue carried, kept so the archive and `status` can say so after briefs change. */
export interface BriefSnapshot {
  id: string;
  headline: string;
  publishedAt: string;
  updatedAt: string;
  /** The brief went out in an earlier issue and was updated since. */
  updated: boolean;
}

export interface Issue {
  /** `<edition>-<YYYY-MM-DD>`, or `<edition>-<YYYY>-W<ww>` for a weekly roundup. */
  id: string;
  edition: string;
  /** The edition's local date it was composed for (a roundup: the date it was composed on). */
  localDate: string;
  /** `roundup`: the week's roundup, sent to weekly readers only (rhythm.ts); absent: a daily issue. */
  kind?: 'roundup';
  state: IssueState;
  /** Briefs published or updated up to this instant are in this issue; the next issue starts after it. */
  cutoff: string;
  briefIds: string[];
  briefs: BriefSnapshot[];
  subject?: string;
  preheader?: string;
  /** Rendered parts with recipient placeholders, spliced per reader at send time. */
  html?: string;
  text?: string;
  htmlBytes?: number;
  /** "Tidings D.C.": the sender's and the edition's name, as the digest names itself. */
  publication?: string;
  counts: {
    /** Recipients handed to the send queue by the latest fan-out. */
    enqueued: number;
    fanouts: number;
  };
  createdAt: string;
  updatedAt: string;
  approvedAt?: string;
  cancelledAt?: string;
  sentAt?: string;
  skipReason?: string;
  /** Editions with `readerLocalTime`: the issue's waves, one per reader zone (see `waves.ts`). */
  waves?: IssueWaves;
}

export const WAVE_STATES = ['pending', 'sent', 'cancelled'] as const;
/** `pending`: its local send time is still to come; `sent`: its readers were queued; `cancelled`: the issue was. */
export type WaveState = (typeof WAVE_STATES)[number];

/** One wave: the readers of one IANA zone, queued at the edition's send time in that zone. */
export interface Wave {
  /** The first local send time in the zone after the issue was composed (or approved). */
  dueAt: string;
  state: WaveState;
  /** Readers this wave queued. */
  enqueued: number;
  sentAt?: string;
}

/** An issue's waves, keyed by IANA zone, and the catch-up run once they have all gone. */
export interface IssueWaves {
  /** The edition's zone: its wave also carries the readers who chose no zone. */
  home: string;
  /** The instant the waves count from: compose, or approval of a held issue. */
  from: string;
  /** Bumped on every change; a change is stored only over the revision it was made from. */
  revision: number;
  zones: Record<string, Wave>;
  /** After the last wave: readers with no ledger row (e.g. moved to a zone whose wave had gone). */
  catchUp?: { at: string; enqueued: number };
}

/** Issues whose cutoff the next issue of the edition starts from. */
export const ISSUE_STATES_THAT_WENT_OUT: readonly IssueState[] = ['held', 'sending', 'sent'];

export const LEDGER_STATES = ['claimed', 'sent', 'failed', 'unknown', 'cancelled', 'skipped'] as const;
export type LedgerState = (typeof LEDGER_STATES)[number];

export const SKIP_REASONS = ['not active', 'not in edition', 'suppressed'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface LedgerEntry {
  issueId: string;
  /** The recipient's normalised address. */
  email: string;
  state: LedgerState;
  /** Random per attempt; only the attempt holding it may complete or release the claim. */
  claimToken?: string;
  claimedAt?: string;
  messageId?: string;
  sentAt?: string;
  reason?: string;
  updatedAt: string;
  /** Copies sent again by the operator. */
  resends?: number;
  resentAt?: string;
  lastResendMessageId?: string;
  /** Epoch seconds; the table's TTL attribute. */
  expiresAt: number;
}

/** Ledger rows are kept this long, then expire (TTL). */
export const LEDGER_RETENTION_DAYS = 400;

export function ledgerExpiry(now: Date): number {
  return Math.floor(now.getTime() / 1000) + LEDGER_RETENTION_DAYS * 86_400;
}

export type LedgerCounts = Record<LedgerState, number> & { total: number };

/** Counts an issue's ledger rows by state. */
export function countLedger(entries: Iterable<Pick<LedgerEntry, 'state'>>): LedgerCounts {
  const counts: LedgerCounts = {
    total: 0,
    claimed: 0,
    sent: 0,
    failed: 0,
    unknown: 0,
    cancelled: 0,
    skipped: 0,
  };
  for (const entry of entries) {
    counts[entry.state]++;
    counts.total++;
  }
  return counts;
}

/** An issue id that cannot be one: the CLI maps it to exit code 2. */
export class IssueNotFoundError extends TidingsError {
  override readonly name = 'IssueNotFoundError';
  override readonly kind = 'not-found';
}

/** The issue is in a state the operation does not apply to (e.g. approving a sent issue). */
export class IssueStateError extends TidingsError {
  override readonly name = 'IssueStateError';
  override readonly kind = 'conflict';
}
