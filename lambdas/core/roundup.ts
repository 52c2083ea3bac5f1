import type { StoredBrief } from './brief.js';
import {
  type ComposeDeps,
  type ComposeResult,
  checkRenderedSize,
  resume,
  store,
  storeAndSend,
  UnknownEditionError,
} from './compose.js';
import { type EditionConfig, findEdition, type TidingsConfig } from './config.js';
import { byRoundupRank } from './digest.js';
import { currentRoundupId, isoWeekMonday, isRoundupDue, localDate, localInstant } from './edition.js';
import type { Issue } from './issue.js';
import type { IssueStore } from './ports.js';

/**
 * The weekly roundup: once a week, on the edition's `roundupDay` at its send time (in the
 * edition's zone), one issue `<edition>-<YYYY>-W<ww>` carrying the briefs of that ISO week —
 * published or updated from Monday 00:00 local until now, retracted ones out — the most signals
 * first, then the most recent, at most `issueLimit`. It is rendered once by the digest renderer,
 * stored and sent as a daily issue is (`storeAndSend`: the same ledger, fan-out, waves and
 * approval), and goes to weekly readers only (rhythm.ts). Composing again the same week resumes
 * the stored roundup, so a week never has two.
 */

/** Briefs read per page, and pages at most, when gathering a week's briefs. */
const PAGE = 100;
const MAX_PAGES = 50;

export interface RoundupRequest {
  edition: string;
  now: Date;
}

/** What a compose run does about the roundup: `not due` before the roundup day's send time. */
export type RoundupResult = ComposeResult | { outcome: 'not due'; issueId: string; enqueued: 0 };

function editionOf(deps: Pick<ComposeDeps, 'config'>, id: string): EditionConfig {
  const edition = findEdition(deps.config, id);
  if (!edition) {
    const known = deps.config.editions.map((e) => e.id).join(', ');
    throw new UnknownEditionError(`unknown edition "${id}"; configured: ${known}`);
  }
  return edition;
}

/** The instant the edition's ISO week began (Monday 00:00 in its zone) at `now`. */
export function weekStart(edition: Pick<EditionConfig, 'timeZone'>, now: Date): Date {
  return localInstant(isoWeekMonday(localDate(now, edition.timeZone)), 0, edition.timeZone);
}

/**
 * The roundup's briefs: those whose last change (publication or update) falls in `[from, until]`,
 * never retracted, one per id, by {@link byRoundupRank}, at most `limit`.
 */
export function selectRoundup(
  candidates: readonly StoredBrief[],
  window: { from: Date; until: Date },
  limit: number,
): StoredBrief[] {
  const from = window.from.getTime();
  const until = window.until.getTime();
  const seen = new Set<string>();
  const chosen: StoredBrief[] = [];
  for (const brief of candidates) {
    if (brief.retracted || seen.has(brief.id)) continue;
    const published = Date.parse(brief.publishedAt);
    const changed = Math.max(published, Date.parse(brief.updatedAt));
    if (published > until || changed > until || changed < from) continue;
    seen.add(brief.id);
    chosen.push(brief);
  }
  return chosen.sort(byRoundupRank).slice(0, Math.max(0, limit));
}

async function weekBriefs(
  deps: ComposeDeps,
  edition: string,
  from: Date,
  until: Date,
): Promise<StoredBrief[]> {
  const out: StoredBrief[] = [];
  let cursor: string | undefined;
  // `since` is exclusive: a millisecond earlier keeps a brief changed at Monday 00:00 itself.
  const since = new Date(from.getTime() - 1).toISOString();
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await deps.briefs.listByEdition(edition, {
      since,
      until: until.toISOString(),
      limit: PAGE,
      ...(cursor ? { cursor } : {}),
    });
    out.push(...result.items);
    cursor = result.cursor;
    if (!cursor) break;
  }
  return out;
}

/**
 * Composes the edition's roundup when it is due at `now` (else `not due`): resumes this week's
 * roundup when it exists, records a skip when the week has no briefs, otherwise renders, stores
 * (`held` for editions that wait for approval) and sends it to weekly readers.
 */
export async function composeRoundup(deps: ComposeDeps, request: RoundupRequest): Promise<RoundupResult> {
  const edition = editionOf(deps, request.edition);
  const { now } = request;
  const issueId = currentRoundupId(edition, now);
  if (!isRoundupDue(edition, now)) return { outcome: 'not due', issueId, enqueued: 0 };
  const existing = await deps.issues.get(issueId);
  if (existing && existing.state !== 'skipped') return resume(deps, edition, existing, now);

  const from = weekStart(edition, now);
  const cutoff = now.toISOString();
  const selected = selectRoundup(
    await weekBriefs(deps, edition.id, from, now),
    { from, until: now },
    deps.config.issueLimit,
  );
  const base: Issue = {
    id: issueId,
    kind: 'roundup',
    edition: edition.id,
    localDate: localDate(now, edition.timeZone),
    state: 'skipped',
    createdAt: existing?.createdAt ?? cutoff,
    updatedAt: cutoff,
    cutoff,
    counts: { enqueued: 0, fanouts: 0 },
    briefIds: selected.map((b) => b.id),
    // A roundup marks no brief "updated": its readers had none of its briefs in an earlier issue.
    briefs: selected.map(({ id, headline, publishedAt, updatedAt }) => ({
      id,
      headline,
      publishedAt,
      updatedAt,
      updated: false,
    })),
  };
  if (selected.length === 0) {
    const skipped: Issue = { ...base, skipReason: `no briefs this week (since ${from.toISOString()})` };
    const kept = await store(deps, skipped, existing);
    if (kept !== skipped) return resume(deps, edition, kept, now);
    return { issueId, outcome: 'skipped', issue: skipped, enqueued: 0 };
  }
  const rendered = await deps.render({
    config: deps.config,
    edition,
    issueId,
    localDate: base.localDate,
    kind: 'roundup',
    briefs: selected.map((brief) => ({ ...brief, updated: false })),
  });
  checkRenderedSize(issueId, rendered);
  const { subject, preheader, html, text, htmlBytes, publication } = rendered;
  const state = edition.holdForApproval ? 'held' : 'sending';
  const issue: Issue = { ...base, state, subject, preheader, html, text, htmlBytes };
  return storeAndSend(deps, edition, publication ? { ...issue, publication } : issue, existing, now);
}

/**
 * Editions whose roundup a compose run should make at `now`: due this week (roundup day at the
 * send time has come) and not yet stored, or stored as a skip (briefs may have come since).
 * Never forced: the week names the roundup, so one made early would be the week's only one.
 */
export async function dueRoundups(
  config: Pick<TidingsConfig, 'editions'>,
  issues: Pick<IssueStore, 'get'>,
  now: Date,
): Promise<EditionConfig[]> {
  const due: EditionConfig[] = [];
  for (const edition of config.editions) {
    if (!isRoundupDue(edition, now)) continue;
    const stored = await issues.get(currentRoundupId(edition, now));
    if (!stored || stored.state === 'skipped') due.push(edition);
  }
  return due;
}
