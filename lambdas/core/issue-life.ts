import { type ComposeDeps, composeIssue, forEachActiveReader, UnknownEditionError } from './compose.js';
import type { EditionConfig, TidingsConfig } from './config.js';
import { findEdition } from './config.js';
import { currentIssueId, isSendDue, localParts } from './edition.js';
import {
  countLedger,
  ISSUE_STATES_THAT_WENT_OUT,
  type Issue,
  type LedgerCounts,
  type LedgerEntry,
  RECENT_ISSUES,
} from './issue.js';
import type { IssueStore, LedgerStore } from './ports.js';
import { nextSendTime, wavesDone } from './waves.js';

/**
 * The issue's life after compose, the same for every target (Lambda, the local stack, the CLI on
 * a deployed stage): which editions are due, when an edition's next issue goes, completion
 * (`sending` → `sent`) and what `preview` shows. Approval, cancel and resend live beside compose
 * and send (`compose.ts`, `send.ts`) and are re-exported here so callers have one place to look.
 */

export { approveIssue, cancelIssue, fanOut, type OperatorDeps } from './compose.js';
export { NotEligibleError, resendCopy } from './send.js';
export { nextSendTime } from './waves.js';

/** Enough issues back to pass over a long run of skipped days. */
const HISTORY = 60;

/**
 * Editions to compose at `now`: those whose send time has come today and whose issue for today
 * does not exist yet (or was skipped), and those that never sent an issue at all.
 */
export async function dueEditions(
  config: Pick<TidingsConfig, 'editions'>,
  issues: Pick<IssueStore, 'get' | 'listByEdition'>,
  now: Date,
): Promise<EditionConfig[]> {
  const due: EditionConfig[] = [];
  for (const edition of config.editions) {
    const today = await issues.get(currentIssueId(edition, now));
    if (today && today.state !== 'skipped') continue;
    if (isSendDue(edition, now)) {
      due.push(edition);
      continue;
    }
    const history = await issues.listByEdition(edition.id, { limit: HISTORY });
    if (!history.some((issue) => ISSUE_STATES_THAT_WENT_OUT.includes(issue.state))) due.push(edition);
  }
  return due;
}

/** What an issue's ledger says about completion. */
export interface Completion {
  issueId: string;
  /** The issue's state after the check. */
  state: Issue['state'] | undefined;
  /** True when this check moved the issue from `sending` to `sent`. */
  completed: boolean;
  ledger: LedgerCounts;
}

export interface CompletionDeps {
  issues: Pick<IssueStore, 'get' | 'replace'>;
  ledger: Pick<LedgerStore, 'list'>;
}

/**
 * Completes a `sending` issue once every reader its latest fan-out enqueued (in waves: every wave
 * and the catch-up) has a settled ledger row (sent, failed, skipped, cancelled or unknown) and no claim is still open: `sending` → `sent`.
 * Reads the issue's ledger once; callers decide when that is worth it (the send path when its
 * counter reaches the enqueued count, a sweep, or the local pass once its queue drained).
 */
export async function completeIssue(deps: CompletionDeps, issueId: string, now: Date): Promise<Completion> {
  const issue = await deps.issues.get(issueId);
  const rows: LedgerEntry[] = [];
  if (issue) for await (const row of deps.ledger.list(issueId)) rows.push(row);
  const ledger = countLedger(rows);
  if (issue?.state !== 'sending') {
    return { issueId, state: issue?.state, completed: false, ledger };
  }
  const settled = ledger.total - ledger.claimed;
  // An issue in waves waits for every wave and the catch-up (waves.ts).
  if (ledger.claimed > 0 || settled < issue.counts.enqueued || !wavesDone(issue.waves)) {
    return { issueId, state: issue.state, completed: false, ledger };
  }
  const sent: Issue = { ...issue, state: 'sent', sentAt: now.toISOString(), updatedAt: now.toISOString() };
  const stored = await deps.issues.replace(sent, ['sending']);
  return {
    issueId,
    state: stored?.state ?? (await deps.issues.get(issueId))?.state,
    completed: !!stored,
    ledger,
  };
}

/**
 * The sweep: checks the edition's recent `sending` issues for completion, so an issue whose last
 * sends settled without the send path noticing (a crash between the send and the count) still
 * reaches `sent`. Reads the ledger only of issues still `sending`. `listed`: the edition's recent
 * issues when the caller has just read them (each is read again before completion); `except`:
 * issues whose readers the caller has just queued, whose senders complete them (`noteSettled`).
 */
export async function sweepSending(
  deps: CompletionDeps & { issues: Pick<IssueStore, 'listByEdition'> },
  edition: string,
  now: Date,
  options: { limit?: number; listed?: readonly Issue[]; except?: readonly string[] } = {},
): Promise<Completion[]> {
  const recent =
    options.listed ?? (await deps.issues.listByEdition(edition, { limit: options.limit ?? RECENT_ISSUES }));
  const sending = recent.filter((i) => i.state === 'sending' && !options.except?.includes(i.id));
  const out: Completion[] = [];
  for (const issue of sending) out.push(await completeIssue(deps, issue.id, now));
  return out;
}

// ------------------------------------------------------------------ preview

/** Which issue a preview shows. */
export type PreviewKind =
  /** Today's issue exists and has not gone out yet (held for approval): exactly what will go. */
  | 'stored'
  /** The briefs the edition's next issue would carry if it were composed now. */
  | 'next'
  /** Nothing is new since the last issue: the edition's latest briefs, which no issue would send. */
  | 'latest';

export interface PreviewResult {
  kind: PreviewKind;
  /** The issue id the next send would carry. */
  issueId: string;
  /** When that send is scheduled (for a held issue: when it was composed; it goes on approval). */
  sendsAt: Date;
  /** The issue as it would be stored (rendered parts included), or the stored one. */
  issue: Issue;
  /** Active readers it would go to now. */
  readers: number;
  /** One line for people: which of the kinds above, and why. */
  why: string;
}

/**
 * Compose in dry-run for `preview`: what the edition's next send would contain, nothing stored or
 * queued. The next send is today's issue when today's send time is still to come (or has come and
 * nothing went out yet), else the next scheduled day's, whose briefs start after the latest
 * issue that went out. When that selection is empty, the edition's latest briefs are shown instead
 * (CONTRACT.md), and the result says so.
 */
export async function previewIssue(
  deps: Omit<ComposeDeps, 'queue'>,
  editionId: string,
  now: Date,
): Promise<PreviewResult> {
  const edition = findEdition(deps.config, editionId);
  if (!edition) {
    throw new UnknownEditionError(
      `unknown edition "${editionId}"; configured: ${deps.config.editions.map((e) => e.id).join(', ')}`,
    );
  }
  const noQueue = { enqueue: async (): Promise<void> => undefined };
  const todayId = currentIssueId(edition, now);
  const today = await deps.issues.get(todayId);
  if (today?.state === 'held' && today.html !== undefined) {
    let readers = 0;
    await forEachActiveReader(deps.subscribers, edition.id, async (page) => {
      readers += page.length;
    });
    return {
      kind: 'stored',
      issueId: today.id,
      sendsAt: new Date(today.createdAt),
      issue: today,
      readers,
      why: 'held for approval: the stored issue, sent on "tidings approve"',
    };
  }
  // Today's issue is still to come unless one went out today; then the next scheduled day's.
  const wentOutToday = today !== undefined && today.state !== 'skipped';
  const sendsAt = wentOutToday
    ? nextSendTime(edition, new Date(startOfNextLocalDay(edition, now)))
    : isSendDue(edition, now)
      ? now
      : nextSendTime(edition, now);
  // Composed as at its send time, so the id, date and cutoff are the next send's; briefs stored
  // with a later publication time are in, as they would be then.
  const at = sendsAt.getTime() > now.getTime() ? sendsAt : now;
  const dry = await composeIssue({ ...deps, queue: noQueue }, { edition: edition.id, now: at, dryRun: true });
  if (dry.issue.html !== undefined) {
    return {
      kind: 'next',
      issueId: dry.issueId,
      sendsAt,
      issue: dry.issue,
      readers: dry.enqueued,
      why:
        dry.previousCutoff === undefined
          ? 'the first issue: the most recent briefs'
          : `new since the last issue (cutoff ${dry.previousCutoff})`,
    };
  }
  const latest = await composeIssue(
    { ...deps, queue: noQueue },
    { edition: edition.id, now: at, dryRun: true, ignorePrevious: true },
  );
  return {
    kind: 'latest',
    issueId: dry.issueId,
    sendsAt,
    issue: latest.issue,
    readers: latest.enqueued,
    why: `nothing new since the last issue (cutoff ${dry.previousCutoff ?? '?'}): the latest briefs, which no issue would send; no email goes unless briefs arrive`,
  };
}

/** Midnight after `now` in the edition's zone, as an instant (approximately: the next local day). */
function startOfNextLocalDay(edition: Pick<EditionConfig, 'timeZone'>, now: Date): number {
  const local = localParts(now, edition.timeZone);
  return now.getTime() + (24 * 60 - local.minutes) * 60_000;
}

/**
 * The send path's completion check, after one queue message: adds the readers it settled to the
 * issue's counter and, once the counter reaches the latest fan-out's count, checks the ledger
 * (once, not per message) and completes the issue. Without a counter in the store, the sweep and
 * the local pass complete issues instead.
 */
export async function noteSettled(
  deps: CompletionDeps & { issues: Pick<IssueStore, 'get' | 'replace' | 'countSettled'> },
  issueId: string,
  settled: number,
  now: Date,
): Promise<Completion | undefined> {
  if (settled <= 0 || !deps.issues.countSettled) return undefined;
  const count = await deps.issues.countSettled(issueId, settled);
  const issue = await deps.issues.get(issueId);
  if (issue?.state !== 'sending' || count < issue.counts.enqueued) return undefined;
  return completeIssue(deps, issueId, now);
}
