import type { StoredBrief } from './brief.js';
import type { EditionConfig, TidingsConfig } from './config.js';
import { findEdition } from './config.js';
import type { DigestInput, RenderedDigest } from './digest.js';
import { currentIssueId, localDate, parseIssueId } from './edition.js';
import { TidingsError } from './errors.js';
import {
  ISSUE_STATES_THAT_WENT_OUT,
  type Issue,
  IssueNotFoundError,
  IssueStateError,
  type LedgerEntry,
  ledgerExpiry,
} from './issue.js';
import type { BriefStore, IssueStore, LedgerStore, SendQueue, SubscriberStore } from './ports.js';
import { audienceOf, rhythmGets } from './rhythm.js';
import { selectBriefs } from './select-briefs.js';
import {
  advanceWaves,
  cancelWaves,
  forEachActiveReader,
  planWaves,
  readerDue,
  readerPacker,
  zoneIndex,
} from './waves.js';

export { forEachActiveReader } from './waves.js';

/** The subscriber port as compose uses it: the zone index only for editions with `readerLocalTime`. */
type ComposeSubscribers = Pick<SubscriberStore, 'listActive'> &
  Partial<Pick<SubscriberStore, 'listZones' | 'listActiveInZone'>>;

/** What the renderer is given (the rendering module's `DigestInput`). */
export interface ComposeDeps {
  config: TidingsConfig;
  issues: IssueStore;
  briefs: Pick<BriefStore, 'listByEdition'>;
  subscribers: ComposeSubscribers;
  queue: SendQueue;
  render(request: DigestInput): Promise<RenderedDigest>;
  /** Recipients per queue message (default 50). */
  batchSize?: number;
}

export interface ComposeRequest {
  edition: string;
  now: Date;
  /** Render and count readers only: nothing stored, nothing queued. */
  dryRun?: boolean;
  /** Dry run only: select as for a first issue (the latest briefs), whatever went out before. */
  ignorePrevious?: boolean;
}

export type ComposeOutcome =
  /** A new issue was stored and fanned out. */
  | 'composed'
  /** A new issue was stored and waits for `tidings approve`. */
  | 'held'
  /** Nothing new to send; the skip is recorded on the issue. */
  | 'skipped'
  /** Today's issue existed: fanned out again (the ledger keeps readers who had it from a second copy). */
  | 'refanout'
  /** Today's issue exists and is held or cancelled: nothing done. */
  | 'unchanged'
  /** Dry run: rendered and counted only. */
  | 'dry-run';

export interface ComposeResult {
  issueId: string;
  outcome: ComposeOutcome;
  /** The issue as stored (for a dry run, as it would be stored). */
  issue: Issue;
  /** Recipients queued by this call (for a dry run: active readers counted). */
  enqueued: number;
  /** The cutoff of the issue this one follows (absent for a first issue). */
  previousCutoff?: string;
}

/** An edition id that is not configured. */
export class UnknownEditionError extends TidingsError {
  override readonly name = 'UnknownEditionError';
  override readonly kind = 'invalid-input';
}

/** The rendered parts would not fit one DynamoDB item (400 KB), with room for the rest of the record. */
export class IssueTooLargeError extends TidingsError {
  override readonly name = 'IssueTooLargeError';
  override readonly kind = 'too-large';
}

const MAX_RENDERED_BYTES = 350_000;
const utf8 = new TextEncoder();
/** Enough issues back to pass over a long run of skipped days when looking for the previous cutoff. */
const HISTORY = 60;
const MAX_BRIEF_PAGES = 10;

function editionOf(config: TidingsConfig, id: string): EditionConfig {
  const edition = findEdition(config, id);
  if (!edition) {
    throw new UnknownEditionError(
      `unknown edition "${id}"; configured: ${config.editions.map((e) => e.id).join(', ')}`,
    );
  }
  return edition;
}

/**
 * The compose use case, run at an edition's send time:
 * 1. work out today's issue id from the edition's local date;
 * 2. if today's issue exists, fan it out again (readers who had it are stopped by the ledger);
 * 3. otherwise pick the briefs since the previous issue's cutoff; none → record a skip;
 * 4. render once and store the issue (`held` for editions that wait for approval);
 * 5. fan out: every active reader, in parallel shards, into the send queue.
 */
export async function composeIssue(deps: ComposeDeps, request: ComposeRequest): Promise<ComposeResult> {
  const edition = editionOf(deps.config, request.edition);
  const now = request.now;
  const issueId = currentIssueId(edition, now);
  // The edition's recent issues are read alongside today's (both are reads): on a scheduled run
  // today's issue does not exist yet and the previous one is needed next.
  const history =
    request.dryRun && request.ignorePrevious
      ? Promise.resolve([])
      : deps.issues.listByEdition(edition.id, { limit: HISTORY });
  // Met when awaited below; an issue read that fails must not leave it unhandled meanwhile.
  history.catch(() => undefined);
  const existing = await deps.issues.get(issueId);
  if (existing && existing.state !== 'skipped' && !request.dryRun)
    return resume(deps, edition, existing, now);

  const previous = (await history).find(
    // A weekly roundup (roundup.ts) is no daily reader's previous issue.
    (issue) =>
      issue.id !== issueId && issue.kind !== 'roundup' && ISSUE_STATES_THAT_WENT_OUT.includes(issue.state),
  );
  const after = previous ? { previousCutoff: previous.cutoff } : {};
  const cutoff = now.toISOString();
  const selected = selectBriefs({
    candidates: await candidates(deps, edition.id, previous?.cutoff, cutoff),
    ...(previous ? { previousCutoff: previous.cutoff } : {}),
    cutoff,
    limit: deps.config.issueLimit,
  });
  const base: Issue = {
    id: issueId,
    edition: edition.id,
    localDate: localDate(now, edition.timeZone),
    state: 'skipped',
    cutoff,
    briefIds: selected.map((s) => s.brief.id),
    briefs: selected.map(({ brief, updated }) => ({
      id: brief.id,
      headline: brief.headline,
      publishedAt: brief.publishedAt,
      updatedAt: brief.updatedAt,
      updated,
    })),
    counts: { enqueued: 0, fanouts: 0 },
    createdAt: existing?.createdAt ?? cutoff,
    updatedAt: cutoff,
  };

  if (selected.length === 0) {
    const skipped: Issue = {
      ...base,
      skipReason: previous ? `no briefs published or updated since ${previous.cutoff}` : 'no briefs yet',
    };
    if (!request.dryRun) await store(deps, skipped, existing);
    return {
      issueId,
      outcome: request.dryRun ? 'dry-run' : 'skipped',
      issue: skipped,
      enqueued: 0,
      ...after,
    };
  }

  const rendered = await deps.render({
    config: deps.config,
    edition,
    issueId,
    localDate: base.localDate,
    briefs: selected.map(({ brief, updated }) => ({ ...brief, updated })),
  });
  checkRenderedSize(issueId, rendered);
  const issue: Issue = {
    ...base,
    state: edition.holdForApproval ? 'held' : 'sending',
    subject: rendered.subject,
    preheader: rendered.preheader,
    html: rendered.html,
    text: rendered.text,
    htmlBytes: rendered.htmlBytes,
    ...(rendered.publication ? { publication: rendered.publication } : {}),
  };
  if (request.dryRun) {
    return { issueId, outcome: 'dry-run', issue, enqueued: await countActive(deps, edition.id), ...after };
  }
  return storeAndSend(deps, edition, issue, existing, now);
}

/** Refuses rendered parts that would not fit one issue item, with room for the rest of the record. */
export function checkRenderedSize(issueId: string, rendered: Pick<RenderedDigest, 'html' | 'text'>): void {
  const bytes = utf8.encode(rendered.html).length + utf8.encode(rendered.text).length;
  if (bytes > MAX_RENDERED_BYTES) {
    throw new IssueTooLargeError(
      `issue ${issueId} renders to ${bytes} bytes; at most ${MAX_RENDERED_BYTES} fit`,
    );
  }
}

/**
 * Stores a rendered issue (`held` or `sending`) and sends it: fans it out, or in waves for an
 * edition with readers' local time. When another compose stored it first, resumes that one.
 * Daily issues and weekly roundups (roundup.ts) alike.
 */
export async function storeAndSend(
  deps: ComposeDeps,
  edition: EditionConfig,
  rendered: Issue,
  existing: Issue | undefined,
  now: Date,
): Promise<ComposeResult> {
  // Readers' local time: the waves are planned now (a held issue's at approval).
  const issue: Issue =
    edition.readerLocalTime && rendered.state === 'sending'
      ? {
          ...rendered,
          waves: planWaves(edition, await zoneIndex(deps.subscribers).listZones(edition.id), now),
        }
      : rendered;
  const stored = await store(deps, issue, existing);
  if (stored !== issue) return resume(deps, edition, stored, now);
  if (issue.state === 'held') return { issueId: issue.id, outcome: 'held', issue, enqueued: 0 };
  const fanned = issue.waves ? await advanceWaves(deps, edition, issue, now) : await fanOut(deps, issue, now);
  return { issueId: issue.id, outcome: 'composed', issue: fanned.issue, enqueued: fanned.enqueued };
}

/** Stores a new or recomposed (previously skipped) issue; returns what is stored if another compose won. */
export async function store(deps: ComposeDeps, issue: Issue, existing: Issue | undefined): Promise<Issue> {
  const written = existing ? await deps.issues.replace(issue, ['skipped']) : await deps.issues.create(issue);
  if (written) return issue;
  const winner = await deps.issues.get(issue.id);
  if (!winner) throw new Error(`issue ${issue.id} could be neither written nor read`);
  return winner;
}

/** An issue that exists: fanned out again (or its waves moved on) when it went out, else left. */
export async function resume(
  deps: ComposeDeps,
  edition: EditionConfig,
  issue: Issue,
  now: Date,
): Promise<ComposeResult> {
  if (issue.state === 'sending' || issue.state === 'sent') {
    // In waves, a second compose moves the waves on: none goes before its time.
    const fanned =
      issue.waves && issue.state === 'sending'
        ? await advanceWaves(deps, edition, issue, now)
        : await fanOut(deps, issue, now);
    return { issueId: issue.id, outcome: 'refanout', issue: fanned.issue, enqueued: fanned.enqueued };
  }
  return {
    issueId: issue.id,
    outcome: issue.state === 'skipped' ? 'skipped' : 'unchanged',
    issue,
    enqueued: 0,
  };
}

async function candidates(
  deps: ComposeDeps,
  edition: string,
  since: string | undefined,
  until: string,
): Promise<StoredBrief[]> {
  const out: StoredBrief[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_BRIEF_PAGES; page++) {
    const result = await deps.briefs.listByEdition(edition, {
      ...(since ? { since } : {}),
      until,
      limit: deps.config.issueLimit * 2,
      ...(cursor ? { cursor } : {}),
    });
    out.push(...result.items);
    cursor = result.cursor;
    const usable = out.filter((b) => !b.retracted && Date.parse(b.publishedAt) <= Date.parse(until));
    if (!cursor || usable.length >= deps.config.issueLimit) break;
  }
  return out;
}

async function countActive(deps: ComposeDeps, edition: string): Promise<number> {
  let count = 0;
  await forEachActiveReader(deps.subscribers, edition, async (page) => {
    count += page.length;
  });
  return count;
}

/**
 * Hands every active reader of the issue's edition to the send queue in batches, and records
 * the count on the issue. Safe to repeat: the send ledger keeps anyone from a second copy.
 * An issue in waves queues only the readers whose wave has gone, and leaves its counts to the
 * waves (waves.ts).
 */
export async function fanOut(
  deps: Pick<ComposeDeps, 'issues' | 'subscribers' | 'queue' | 'batchSize'>,
  issue: Issue,
  now: Date,
): Promise<{ issue: Issue; enqueued: number }> {
  const size = deps.batchSize ?? 50;
  const audience = audienceOf(issue);
  let enqueued = 0;
  const packer = readerPacker(deps.queue, issue.id, size);
  await forEachActiveReader(deps.subscribers, issue.edition, async (all) => {
    const page = all.filter((reader) => rhythmGets(reader.rhythm, audience) && readerDue(issue, reader));
    await packer.add(page);
    enqueued += page.length;
  });
  await packer.finish();
  if (issue.waves) return { issue, enqueued };
  const updated: Issue = {
    ...issue,
    counts: { enqueued, fanouts: issue.counts.fanouts + 1 },
    updatedAt: now.toISOString(),
  };
  // Counts are informational: a concurrent cancel wins, and then the old record stands.
  const stored = await deps.issues.replace(updated, ['sending', 'sent']);
  return { issue: stored ?? issue, enqueued };
}

export interface OperatorDeps {
  config: TidingsConfig;
  issues: IssueStore;
  ledger: Pick<LedgerStore, 'create'>;
  subscribers: ComposeSubscribers;
  queue: SendQueue;
  batchSize?: number;
}

async function issueFor(issues: IssueStore, issueId: string): Promise<Issue> {
  if (!parseIssueId(issueId))
    throw new IssueNotFoundError(
      `"${issueId}" is not an issue id (<edition>-<YYYY-MM-DD>, or <edition>-<YYYY>-W<ww> for a weekly roundup)`,
    );
  const issue = await issues.get(issueId);
  if (!issue) throw new IssueNotFoundError(`no issue ${issueId}`);
  return issue;
}

/** Releases a held issue: marks it approved and fans it out. */
export async function approveIssue(
  deps: OperatorDeps,
  issueId: string,
  now: Date,
): Promise<{ issue: Issue; enqueued: number }> {
  const issue = await issueFor(deps.issues, issueId);
  if (issue.state !== 'held') {
    throw new IssueStateError(`issue ${issueId} is ${issue.state}; only a held issue can be approved`);
  }
  const edition = editionOf(deps.config, issue.edition);
  // Readers' local time: the waves count from approval.
  const waves = edition.readerLocalTime
    ? planWaves(edition, await zoneIndex(deps.subscribers).listZones(edition.id), now)
    : undefined;
  const approved: Issue = {
    ...issue,
    state: 'sending',
    approvedAt: now.toISOString(),
    updatedAt: now.toISOString(),
    ...(waves ? { waves } : {}),
  };
  const stored = await deps.issues.replace(approved, ['held']);
  if (!stored) throw new IssueStateError(`issue ${issueId} changed while it was being approved`);
  if (!stored.waves) return fanOut(deps, stored, now);
  const { ledger: _ledger, ...waveDeps } = deps;
  return advanceWaves(waveDeps, edition, stored, now);
}

/**
 * Stops an issue: senders record `cancelled` for every reader they have not mailed, and the
 * readers no queue message reaches any more are recorded `cancelled` here, so the ledger
 * accounts for every active reader (invariant 3).
 */
export async function cancelIssue(
  deps: OperatorDeps,
  issueId: string,
  now: Date,
): Promise<{ issue: Issue; recorded: number }> {
  const issue = await issueFor(deps.issues, issueId);
  if (issue.state !== 'held' && issue.state !== 'sending') {
    throw new IssueStateError(
      `issue ${issueId} is ${issue.state}; only a held or sending issue can be cancelled`,
    );
  }
  const cancelled: Issue = {
    ...issue,
    state: 'cancelled',
    cancelledAt: now.toISOString(),
    updatedAt: now.toISOString(),
    // Waves still pending never go.
    ...(issue.waves ? { waves: cancelWaves(issue.waves) } : {}),
  };
  const stored = await deps.issues.replace(cancelled, ['held', 'sending']);
  if (!stored) throw new IssueStateError(`issue ${issueId} changed while it was being cancelled`);
  let recorded = 0;
  const audience = audienceOf(issue);
  await forEachActiveReader(deps.subscribers, issue.edition, async (page) => {
    for (const reader of page) {
      if (!rhythmGets(reader.rhythm, audience)) continue;
      const entry: LedgerEntry = {
        issueId,
        email: reader.email,
        state: 'cancelled',
        reason: 'issue cancelled',
        updatedAt: now.toISOString(),
        expiresAt: ledgerExpiry(now),
      };
      if ((await deps.ledger.create(entry)).created) recorded++;
    }
  });
  return { issue: stored, recorded };
}
