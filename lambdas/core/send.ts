import { parseIssueId } from './edition.js';
import { TidingsError } from './errors.js';
import {
  type Issue,
  IssueNotFoundError,
  IssueStateError,
  type LedgerEntry,
  ledgerExpiry,
  type SkipReason,
} from './issue.js';
import {
  type Clock,
  type IssueStore,
  type LedgerStore,
  type Mailer,
  MailerThrottledError,
  type MessageBuilder,
  MessageRejectedError,
  type SendBatch,
  type SendCheck,
  type SendChecks,
  type SubscriberStore,
} from './ports.js';
import type { Recipient } from './subscriber.js';

/**
 * The send use case: one queue message (a slice of an issue's readers) at a time. Each reader
 * goes through the ledger's state machine (see "The send ledger" in the README):
 *
 *   (none) ──claim──▶ claimed ──SES ok──▶ sent
 *                        │ ──status read: issue cancelled──▶ cancelled
 *                        │ ──status read: not active/not a reader/suppressed──▶ skipped
 *                        │ ──rejected──▶ failed
 *                        │ ──throttled, or the status read failed──▶ (none)   released; the queue retries
 *                        └ ──stale (lease passed, found by a later attempt)──▶ unknown
 *   (none) ──`tidings cancel`──▶ cancelled   (readers not yet claimed)
 *
 * Every transition but `sent` is a conditional single-item write, and `sent` is written only by the
 * attempt holding the claim, so whatever is redelivered, retried or crashes, a reader is mailed at
 * most once per issue. The `sent` rows are written behind the sends (the ledger may store those of
 * several sends together); a slice is done only once all of its rows are stored.
 */

export interface SendDeps {
  issues: Pick<IssueStore, 'get' | 'getState'>;
  ledger: LedgerStore;
  subscribers: Pick<SubscriberStore, 'get' | 'isSuppressed'>;
  messages: MessageBuilder;
  mailer: Mailer;
  /** One-round-trip reads of what step 1 needs; the stores above are asked separately without it. */
  checks?: SendChecks;
  /** Paces SES calls (one permit per call, retries included). */
  limiter: { acquire(): Promise<void> };
  clock: Clock;
  sleep(ms: number): Promise<void>;
  /** A fresh random claim token. */
  newToken(): string;
  /**
   * How old a claim must be before a later attempt may call it `unknown`. Longer than any one
   * attempt can take (the send function's timeout), or a slow worker's claim would be taken for
   * a dead one.
   */
  leaseMs: number;
  /** In-place retries after SES throttles, before the claim is released for the queue to retry. */
  throttleRetries?: number;
  /** First backoff after a throttle; doubles each retry. */
  backoffMs?: number;
  log?: (event: string, detail: Record<string, unknown>) => void;
}

export type RecipientOutcome =
  | 'sent'
  | 'failed'
  | 'skipped'
  | 'cancelled'
  | 'unknown'
  /** A final row was already there (a redelivery or a second fan-out). */
  | 'already-done'
  /** Another attempt holds a fresh claim, or SES kept throttling: the queue must try again later. */
  | 'retry';

export interface BatchResult {
  issueId: string;
  outcomes: { email: string; outcome: RecipientOutcome }[];
  /** True when the queue message must be redelivered (some reader could not be settled now). */
  retry: boolean;
}

/** The issue the message belongs to no longer exists; the message can never succeed. */
export class UnknownIssueError extends TidingsError {
  override readonly name = 'UnknownIssueError';
  override readonly kind = 'not-found';
}

const FINAL_STATES = new Set(['sent', 'failed', 'unknown', 'cancelled', 'skipped']);

/**
 * Sends one queue message. Ledger or subscriber-store errors propagate (the message is retried
 * as a whole; rows already settled make the retry cheap and harmless).
 */
export async function sendBatch(deps: SendDeps, batch: SendBatch): Promise<BatchResult> {
  const outcomes: BatchResult['outcomes'] = [];
  let retry = false;
  let stopped = false;
  // The `sent` rows being stored; the first failure stops further sends (their rows would be lost too).
  const writes: Promise<void>[] = [];
  let writeFailure: { error: unknown } | undefined;
  // The rendered parts do not change once composed; only the state (read per reader) does.
  let content: Promise<Issue> | undefined;
  const issueContent = (): Promise<Issue> => {
    content ??= deps.issues.get(batch.issueId).then((issue) => {
      if (!issue) throw new UnknownIssueError(`issue ${batch.issueId} does not exist`);
      return issue;
    });
    return content;
  };
  try {
    for (const recipient of batch.recipients) {
      if (writeFailure) break;
      if (stopped) {
        outcomes.push({ email: recipient.email, outcome: 'retry' });
        continue;
      }
      const outcome = await sendOne(deps, batch.issueId, recipient, issueContent);
      outcomes.push({ email: recipient.email, outcome: outcome.result });
      if (outcome.written) {
        writes.push(
          outcome.written.catch((error: unknown) => {
            writeFailure ??= { error };
          }),
        );
      }
      if (outcome.result === 'retry') retry = true;
      // SES kept throttling: the rest of the slice would only be throttled too.
      if (outcome.stop) stopped = true;
    }
  } finally {
    // However the slice ends, the rows of the messages already sent are stored before it does
    // (a function may be frozen as soon as it returns).
    if (writes.length > 0) deps.ledger.flushSent?.();
    await Promise.all(writes);
  }
  // A lost `sent` row leaves its claim, which a later attempt records `unknown`: never a resend.
  if (writeFailure) throw writeFailure.error;
  return { issueId: batch.issueId, outcomes, retry };
}

async function separateChecks(deps: SendDeps, issueId: string, email: string): Promise<SendCheck> {
  const [state, subscriber, suppressed] = await Promise.all([
    deps.issues.getState(issueId),
    deps.subscribers.get(email),
    deps.subscribers.isSuppressed(email),
  ]);
  return { state, subscriber, suppressed };
}

interface OneResult {
  result: RecipientOutcome;
  stop?: boolean;
  /** The `sent` row on its way to the ledger. */
  written?: Promise<void>;
}

async function sendOne(
  deps: SendDeps,
  issueId: string,
  recipient: Recipient,
  issueContent: () => Promise<Issue>,
): Promise<OneResult> {
  const email = recipient.email;
  const now = deps.clock.now();
  const base = { issueId, email, updatedAt: now.toISOString(), expiresAt: ledgerExpiry(now) };
  const held: LedgerEntry & { claimToken: string } = {
    ...base,
    state: 'claimed',
    claimToken: deps.newToken(),
    claimedAt: base.updatedAt,
  };
  // The claim and the status read go out together, neither waiting for the other. The read still
  // begins now, after fan-out and before any send (invariant 2); a claim made for a reader who may
  // not be mailed is settled at once, without a send.
  const [checked, claimed] = await Promise.allSettled([
    deps.checks ? deps.checks.check(issueId, email) : separateChecks(deps, issueId, email),
    deps.ledger.create(held),
  ]);
  if (claimed.status === 'rejected') throw claimed.reason;
  const claim = claimed.value;
  if (checked.status === 'rejected') {
    // Nothing was sent: give the claim back so a retry is not taken for a crash.
    if (claim.created) await deps.ledger.release(issueId, email, held.claimToken);
    throw checked.reason;
  }
  if (!claim.created) return settleExisting(deps, claim.existing, now);
  const { state, subscriber, suppressed } = checked.value;
  if (state === undefined) {
    await deps.ledger.release(issueId, email, held.claimToken);
    throw new UnknownIssueError(`issue ${issueId} does not exist`);
  }
  if (state === 'cancelled') {
    return settleHeld(deps, held, { state: 'cancelled', reason: 'issue cancelled' });
  }
  if (state === 'held' || state === 'skipped') {
    // Nothing is queued for these; a stray message waits until the issue is approved.
    await deps.ledger.release(issueId, email, held.claimToken);
    deps.log?.('send.issue-not-sendable', { issueId, state });
    return { result: 'retry' };
  }
  const edition = parseIssueId(issueId)?.edition;
  const skip: SkipReason | undefined =
    subscriber?.status !== 'active'
      ? 'not active'
      : !edition || !subscriber.editions.includes(edition)
        ? 'not in edition'
        : suppressed
          ? 'suppressed'
          : undefined;
  if (skip) return settleHeld(deps, held, { state: 'skipped', reason: skip });

  const issue = await issueContent();
  const named: Recipient = subscriber?.name ? { email, name: subscriber.name } : recipient;
  return deliver(deps, issue, named, held);
}

/** Settles our fresh claim as skipped or cancelled: the reader is not mailed. */
async function settleHeld(
  deps: SendDeps,
  held: LedgerEntry & { claimToken: string },
  settled: { state: 'skipped' | 'cancelled'; reason: string },
): Promise<OneResult> {
  const done = await deps.ledger.settleClaim(held.issueId, held.email, held.claimToken, {
    ...settled,
    at: deps.clock.now().toISOString(),
  });
  // Only a claim that outlived its lease mid-call could have changed hands: look again later.
  return { result: done ? settled.state : 'retry' };
}

async function deliver(
  deps: SendDeps,
  issue: Issue,
  recipient: Recipient,
  held: LedgerEntry & { claimToken: string },
): Promise<OneResult> {
  const claimToken = held.claimToken;
  const message = await deps.messages.build(issue, recipient);
  const retries = deps.throttleRetries ?? 3;
  const backoff = deps.backoffMs ?? 200;
  for (let attempt = 0; ; attempt++) {
    await deps.limiter.acquire();
    try {
      const { messageId } = await deps.mailer.send(message);
      const sentAt = deps.clock.now().toISOString();
      // If this write is lost (crash), the claim stays and a later attempt records `unknown`.
      const written = deps.ledger.recordSent({
        ...held,
        state: 'sent',
        messageId,
        sentAt,
        updatedAt: sentAt,
      });
      return { result: 'sent', written };
    } catch (error) {
      if (error instanceof MailerThrottledError) {
        if (attempt < retries) {
          await deps.sleep(backoff * 2 ** attempt);
          continue;
        }
        // Nothing went out: give the reader back to the queue.
        await deps.ledger.release(issue.id, recipient.email, claimToken);
        deps.log?.('send.throttled', { issueId: issue.id, attempts: attempt + 1 });
        return { result: 'retry', stop: true };
      }
      if (error instanceof MessageRejectedError) {
        await deps.ledger.settleClaim(issue.id, recipient.email, claimToken, {
          state: 'failed',
          reason: error.message.slice(0, 500),
          at: deps.clock.now().toISOString(),
        });
        return { result: 'failed' };
      }
      // Anything else may have reached SES: keep the claim (a later attempt marks it unknown).
      throw error;
    }
  }
}

async function settleExisting(
  deps: SendDeps,
  existing: LedgerEntry | undefined,
  now: Date,
): Promise<OneResult> {
  // The row vanished between the write and the read (released by a throttled attempt): try later.
  if (!existing) return { result: 'retry' };
  if (FINAL_STATES.has(existing.state)) return { result: 'already-done' };
  const claimedAt = Date.parse(existing.claimedAt ?? existing.updatedAt);
  if (now.getTime() - claimedAt < deps.leaseMs || !existing.claimToken) {
    // A live attempt may be between SES and its ledger write: leave it alone, look again later.
    return { result: 'retry' };
  }
  // The claim outlived any attempt: SES may or may not have taken the message. Never resend.
  const marked = await deps.ledger.markUnknown(
    existing.issueId,
    existing.email,
    existing.claimToken,
    now.toISOString(),
  );
  deps.log?.('send.unknown', { issueId: existing.issueId, marked });
  return { result: marked ? 'unknown' : 'retry' };
}

/** The reader may not be mailed now (not active, not a reader of the edition, suppressed). */
export class NotEligibleError extends TidingsError {
  override readonly name = 'NotEligibleError';
  override readonly kind = 'conflict';
}

/**
 * `tidings resend`: sends one reader their copy of an issue again and records it on their ledger
 * row (`resends`, `resentAt`). A reader without a row gets the normal, claimed first send. The
 * reader must be an active reader of the edition now (invariant 2 holds for operators too).
 */
export async function resendCopy(
  deps: SendDeps,
  issueId: string,
  email: string,
): Promise<{ messageId?: string; first: boolean; outcome: RecipientOutcome }> {
  const issue = await deps.issues.get(issueId);
  if (!issue) throw new IssueNotFoundError(`no issue ${issueId}`);
  if (issue.state !== 'sending' && issue.state !== 'sent') {
    throw new IssueStateError(`issue ${issueId} is ${issue.state}; only a sent issue can be sent again`);
  }
  const [subscriber, suppressed] = await Promise.all([
    deps.subscribers.get(email),
    deps.subscribers.isSuppressed(email),
  ]);
  if (subscriber?.status !== 'active' || !subscriber.editions.includes(issue.edition) || suppressed) {
    throw new NotEligibleError(
      `${email} is not an active reader of ${issue.edition}${subscriber ? ` (status ${subscriber.status})` : ''}`,
    );
  }
  const row = await deps.ledger.get(issueId, email);
  if (!row) {
    const result = await sendBatch(deps, { issueId, recipients: [{ email }] });
    const outcome = result.outcomes[0]?.outcome ?? 'retry';
    const after = await deps.ledger.get(issueId, email);
    return { ...(after?.messageId ? { messageId: after.messageId } : {}), first: true, outcome };
  }
  if (row.state === 'claimed')
    throw new IssueStateError(`a send to ${email} is in progress; try again later`);
  const recipient: Recipient = subscriber.name ? { email, name: subscriber.name } : { email };
  const message = await deps.messages.build(issue, recipient);
  await deps.limiter.acquire();
  const { messageId } = await deps.mailer.send(message);
  await deps.ledger.recordResend(issueId, email, { messageId, sentAt: deps.clock.now().toISOString() });
  return { messageId, first: false, outcome: 'sent' };
}
