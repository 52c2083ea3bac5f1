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
  type OutgoingMessage,
  type SendBatch,
  type SendCheck,
  type SendChecks,
  type SubscriberStore,
} from './ports.js';
import type { Recipient, Subscriber } from './subscriber.js';

/**
 * The send use case: one queue message (a slice of an issue's readers) at a time. Each reader
 * goes through the ledger's state machine (see docs/delivery.md):
 *
 *   status read ──issue cancelled──▶ cancelled        (no claim: nothing is sent)
 *               ──not active/not a reader/suppressed──▶ skipped
 *               ──message cannot be built──▶ failed
 *               ──ok──▶ pacing permit ──claim──▶ claimed ──SES ok──▶ sent
 *                                                  │ ──rejected──▶ failed
 *                                                  │ ──throttled──▶ (none)   released; the queue retries
 *                                                  │ ──SES Send event──▶ sent   (feedback path)
 *                                                  └ ──stale (lease passed, found by a later attempt)──▶ unknown
 *   (none) ──`tidings cancel`──▶ cancelled   (readers not yet claimed)
 *
 * A reader is claimed only once its message is built, its status read and its pacing permit
 * taken: the claim is followed at once by the SES call, so a crash leaves a claim only when it
 * falls across that call (or before the `sent` row is stored). Every transition but `sent` is a
 * conditional single-item write, and `sent` is written only by the attempt holding the claim (or
 * from SES's own Send event), so whatever is redelivered, retried or crashes, a reader is mailed
 * at most once per issue. The `sent` rows are written behind the sends (the ledger may store
 * those of several sends together); a slice is done only once all of its rows are stored.
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
  /**
   * Once aborted (the operator pressed Ctrl-C), no reader is claimed any more: the sends already
   * past their claim finish and settle, the rest of the slice comes back as `retry`.
   */
  stopping?: AbortSignal;
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
  // The next reader's status read and message are prepared while the current one is claimed and
  // sent: they write nothing, so a crash leaves behind exactly what it did without the overlap,
  // and the claims and SES calls still go one after the other, in the slice's order.
  const prepare = (recipient: Recipient | undefined): Promise<Prepared> | undefined => {
    if (!recipient) return undefined;
    const prepared = prepareOne(deps, batch.issueId, recipient, issueContent);
    // Its failure is met when it is awaited; one left behind by an early stop is let go.
    prepared.catch(() => undefined);
    return prepared;
  };
  let upcoming = prepare(batch.recipients[0]);
  try {
    for (const [index, recipient] of batch.recipients.entries()) {
      if (writeFailure) break;
      if (stopped) {
        outcomes.push({ email: recipient.email, outcome: 'retry' });
        continue;
      }
      const prepared = await (upcoming ?? prepareOne(deps, batch.issueId, recipient, issueContent));
      upcoming = prepare(batch.recipients[index + 1]);
      const outcome = await commitOne(deps, batch.issueId, recipient, prepared);
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
  /** SES's message id, when sent. */
  messageId?: string;
}

/**
 * A reader's steps 1 and 2, which write nothing: what to record without a claim, or the message
 * ready to go. `done` needs nothing written at all.
 */
type Prepared =
  | { kind: 'done'; result: OneResult }
  | { kind: 'unclaimed'; state: 'skipped' | 'cancelled' | 'failed'; reason: string }
  | { kind: 'ready'; issue: Issue; message: OutgoingMessage };

async function prepareOne(
  deps: SendDeps,
  issueId: string,
  recipient: Recipient,
  issueContent: () => Promise<Issue>,
): Promise<Prepared> {
  const email = recipient.email;
  // 1. The status read (invariant 2). Nothing is written before it, and a reader who may not be
  //    mailed gets a final row at once, without a claim.
  const { state, subscriber, suppressed } = await (deps.checks
    ? deps.checks.check(issueId, email)
    : separateChecks(deps, issueId, email));
  if (state === undefined) throw new UnknownIssueError(`issue ${issueId} does not exist`);
  if (state === 'held' || state === 'skipped') {
    // Nothing is queued for these; a stray message waits until the issue is approved.
    deps.log?.('send.issue-not-sendable', { issueId, state });
    return { kind: 'done', result: { result: 'retry' } };
  }
  if (state === 'cancelled') return { kind: 'unclaimed', state: 'cancelled', reason: 'issue cancelled' };
  const edition = parseIssueId(issueId)?.edition;
  const skip: SkipReason | undefined =
    subscriber?.status !== 'active'
      ? 'not active'
      : !edition || !subscriber.editions.includes(edition)
        ? 'not in edition'
        : suppressed
          ? 'suppressed'
          : undefined;
  if (skip) return { kind: 'unclaimed', state: 'skipped', reason: skip };

  // 2. The message, built before the claim: a failure here (a value that cannot become a header,
  //    a rendering missing) is recorded `failed` with its reason and never leaves a claim.
  const issue = await issueContent();
  const named: Recipient = subscriber?.name ? { email, name: subscriber.name } : recipient;
  let message: OutgoingMessage;
  try {
    message = await deps.messages.build(issue, named);
  } catch (error) {
    deps.log?.('send.build-failed', { issueId, error: errorText(error) });
    return { kind: 'unclaimed', state: 'failed', reason: `message could not be built: ${errorText(error)}` };
  }
  return { kind: 'ready', issue, message };
}

/** A reader's steps from its prepared message on: the final row without a claim, or the send. */
async function commitOne(
  deps: SendDeps,
  issueId: string,
  recipient: Recipient,
  prepared: Prepared,
): Promise<OneResult> {
  if (prepared.kind === 'done') return prepared.result;
  const email = recipient.email;
  if (prepared.kind === 'unclaimed') {
    return settleUnclaimed(deps, issueId, email, prepared.state, prepared.reason);
  }
  const { issue, message } = prepared;

  // 3. The pacing permit, then the claim, then SES: a reader is claimed only when its message is
  //    about to go, so the only crash that leaves a claim is one across the SES call itself (or
  //    before its `sent` row is stored).
  await deps.limiter.acquire();
  if (deps.stopping?.aborted) return { result: 'retry', stop: true };
  const now = deps.clock.now();
  const held: LedgerEntry & { claimToken: string } = {
    issueId,
    email,
    state: 'claimed',
    claimToken: deps.newToken(),
    claimedAt: now.toISOString(),
    updatedAt: now.toISOString(),
    expiresAt: ledgerExpiry(now),
  };
  const claim = await deps.ledger.create(held);
  if (!claim.created) return settleExisting(deps, claim.existing, now);
  return deliver(deps, issue, message, held);
}

/** The reason text of a failure, one line, short enough for a ledger row. */
export function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.replace(/\s+/g, ' ').slice(0, 500);
}

/**
 * Records a final row for a reader who is not mailed (no claim is taken: nothing is sent). An
 * existing row (a redelivery, or another attempt's claim) is left to {@link settleExisting}.
 */
async function settleUnclaimed(
  deps: SendDeps,
  issueId: string,
  email: string,
  state: 'skipped' | 'cancelled' | 'failed',
  reason: string,
): Promise<OneResult> {
  const now = deps.clock.now();
  const row: LedgerEntry = {
    issueId,
    email,
    state,
    reason,
    updatedAt: now.toISOString(),
    expiresAt: ledgerExpiry(now),
  };
  const created = await deps.ledger.create(row);
  if (!created.created) return settleExisting(deps, created.existing, now);
  return { result: state };
}

async function deliver(
  deps: SendDeps,
  issue: Issue,
  message: OutgoingMessage,
  held: LedgerEntry & { claimToken: string },
): Promise<OneResult> {
  const claimToken = held.claimToken;
  const email = held.email;
  const retries = deps.throttleRetries ?? 3;
  const backoff = deps.backoffMs ?? 200;
  for (let attempt = 0; ; attempt++) {
    // The first attempt's permit was taken before the claim.
    if (attempt > 0) await deps.limiter.acquire();
    try {
      const { messageId, written } = await mailClaimed(deps, message, held);
      return { result: 'sent', written, messageId };
    } catch (error) {
      if (error instanceof MailerThrottledError) {
        if (attempt < retries) {
          await deps.sleep(backoff * 2 ** attempt);
          continue;
        }
        // Nothing went out: give the reader back to the queue.
        await deps.ledger.release(issue.id, email, claimToken);
        deps.log?.('send.throttled', { issueId: issue.id, attempts: attempt + 1 });
        return { result: 'retry', stop: true };
      }
      if (error instanceof MessageRejectedError) {
        await deps.ledger.settleClaim(issue.id, email, claimToken, {
          state: 'failed',
          reason: errorText(error),
          at: deps.clock.now().toISOString(),
        });
        return { result: 'failed' };
      }
      // Anything else may have reached SES: keep the claim (a later attempt marks it unknown).
      throw error;
    }
  }
}

/**
 * Hands a claimed reader's message to SES and records the claim `sent` with SES's message id;
 * `written` settles once the row is stored. If that write is lost (crash), the claim stays: SES's
 * Send event, or a later attempt (`unknown`), settles it. Errors of the SES call propagate.
 */
export async function mailClaimed(
  deps: Pick<SendDeps, 'mailer' | 'clock'> & { ledger: Pick<LedgerStore, 'recordSent'> },
  message: OutgoingMessage,
  held: LedgerEntry & { claimToken: string },
): Promise<{ messageId: string; written: Promise<void> }> {
  const { messageId } = await deps.mailer.send(message);
  const sentAt = deps.clock.now().toISOString();
  const written = deps.ledger.recordSent({ ...held, state: 'sent', messageId, sentAt, updatedAt: sentAt });
  return { messageId, written };
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

/** An issue that has gone out (`sending` or `sent`), the only kind a copy can be sent again of. */
async function sentIssue(deps: SendDeps, issueId: string): Promise<Issue> {
  const issue = await deps.issues.get(issueId);
  if (!issue) throw new IssueNotFoundError(`no issue ${issueId}`);
  if (issue.state !== 'sending' && issue.state !== 'sent') {
    throw new IssueStateError(`issue ${issueId} is ${issue.state}; only a sent issue can be sent again`);
  }
  return issue;
}

/** Whether an operator's send may mail the reader now: active, reading the edition, not suppressed. */
async function eligibility(
  deps: SendDeps,
  issue: Issue,
  email: string,
): Promise<{ subscriber: Subscriber | undefined; eligible: boolean }> {
  const [subscriber, suppressed] = await Promise.all([
    deps.subscribers.get(email),
    deps.subscribers.isSuppressed(email),
  ]);
  const eligible =
    subscriber?.status === 'active' && subscriber.editions.includes(issue.edition) && !suppressed;
  return { subscriber, eligible };
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
  const issue = await sentIssue(deps, issueId);
  const { subscriber, eligible } = await eligibility(deps, issue, email);
  if (!subscriber || !eligible) {
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

/** What `resendUnknown` did for one reader whose send was unknown. */
export interface UnknownResend {
  email: string;
  outcome: RecipientOutcome | 'not eligible';
  messageId?: string;
}

/**
 * `tidings resend <issue-id> --unknown`: the operator checked that the readers the ledger calls
 * `unknown` (a crash across the SES call, with no Send event since) were not mailed, and sends
 * them now. Each `unknown` row becomes this attempt's claim first, so a Send event arriving
 * meanwhile (the row turns `sent`) or a second operator wins and the reader is not mailed twice.
 * Readers who may not be mailed now (invariant 2) keep their `unknown` row.
 */
export async function resendUnknown(deps: SendDeps, issueId: string): Promise<UnknownResend[]> {
  const issue = await sentIssue(deps, issueId);
  const unknown: LedgerEntry[] = [];
  for await (const row of deps.ledger.list(issueId)) if (row.state === 'unknown') unknown.push(row);
  const results: UnknownResend[] = [];
  const writes: Promise<void>[] = [];
  try {
    for (const row of unknown) {
      const email = row.email;
      const { subscriber, eligible } = await eligibility(deps, issue, email);
      if (!subscriber || !eligible) {
        results.push({ email, outcome: 'not eligible' });
        continue;
      }
      const recipient: Recipient = subscriber.name ? { email, name: subscriber.name } : { email };
      const message = await deps.messages.build(issue, recipient);
      await deps.limiter.acquire();
      const now = deps.clock.now().toISOString();
      const held = { ...row, state: 'claimed' as const, claimToken: deps.newToken(), claimedAt: now };
      if (!(await deps.ledger.claimUnknown(issueId, email, held.claimToken, now))) {
        results.push({ email, outcome: 'already-done' });
        continue;
      }
      const { reason: _reason, ...claimed } = held;
      const one = await deliver(deps, issue, message, claimed);
      if (one.written) writes.push(one.written);
      results.push({ email, outcome: one.result, ...(one.messageId ? { messageId: one.messageId } : {}) });
    }
  } finally {
    if (writes.length > 0) deps.ledger.flushSent?.();
    await Promise.all(writes);
  }
  return results;
}
