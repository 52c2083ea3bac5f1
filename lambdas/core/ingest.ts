import { createHash } from 'node:crypto';
import { type Brief, BriefSchema } from './brief.js';
import type { SourceConfig, TidingsConfig } from './config.js';
import { compareCodeUnits } from './order.js';
import type { BriefStore, Clock, SourceState, UpsertOutcome } from './ports.js';
import { StoryDesk } from './stories/story-desk.js';

/**
 * Ingestion, the use case: for each configured source, fetch what it offers, validate every item
 * as a brief, keep one current copy of each story, and say what happened. The same function runs
 * in `tidings ingest`, the scheduled Lambda and the local stack's schedule.
 *
 * Fetching and format mapping are behind {@link FetchSource} (adapters); this module decides what
 * is a valid brief, which copy wins, and what is reported. Feed items go through the run's
 * {@link StoryDesk}, which makes the items that report one event one brief (see stories/).
 */

/** Why one item of a source was not stored: its 1-based position, the brief field, the reason. */
export interface ItemRejection {
  position: number;
  field: string;
  reason: string;
}

/** One item of a source, mapped to a brief input (not yet validated). */
export interface BriefCandidate {
  position: number;
  input: Record<string, unknown>;
  /**
   * The item carried no date at all. Its dates are then the time Tidings first saw it: the
   * stored copy's dates are kept, and a changed text moves `updatedAt` to now.
   */
  undated?: boolean;
  /**
   * The candidate is an item of an RSS, Atom or JSON feed (not a Tidings brief): it may start a
   * story or join one. Tidings briefs are stored as written and never joined.
   */
  feedItem?: boolean;
}

export type SourceFetch =
  | { status: 'not-modified' }
  | {
      status: 'fetched';
      candidates: BriefCandidate[];
      /** Items the adapter already refused (e.g. unreadable dates). */
      rejected: ItemRejection[];
      /** Saved only after every item of this fetch is stored, so a failed run is fetched again. */
      state?: SourceState;
      /** The document's own title, used as the source name when the configuration gives none. */
      title?: string;
    };

/** Fetches and maps one source; throws (any error) when the source cannot be read or parsed at all. */
export type FetchSource = (source: SourceConfig, previous: SourceState | undefined) => Promise<SourceFetch>;

export interface IngestSummary {
  /** The source id. */
  source: string;
  /** Items the source offered. */
  fetched: number;
  new: number;
  updated: number;
  unchanged: number;
  /** Items that joined a story of another source's item as a signal. */
  merged: number;
  /** Items that repeated a story already taken in this run (stored once). */
  duplicates: number;
  rejected: ItemRejection[];
  /** The source answered "not modified" to a conditional request. */
  notModified?: true;
  /** Why the source could not be ingested at all; nothing stored was touched. */
  error?: string;
}

export interface IngestDeps {
  fetchSource: FetchSource;
  store: BriefStore;
  clock: Clock;
  config: Pick<TidingsConfig, 'editions'>;
}

/** The wrong-date fence: nothing before this is news, and nothing is published from the future. */
export const EARLIEST_BRIEF_DATE = '1990-01-01T00:00:00.000Z';
export const MAX_FUTURE_SKEW_MS = 24 * 60 * 60 * 1000;

/** How many sources are fetched at once (storing stays in configuration order). */
const FETCH_CONCURRENCY = 4;
/** How many sources' writes are under way at once (sources that do not cluster). */
const STORE_CONCURRENCY = 4;

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => compareCodeUnits(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Hash of everything a brief says (dates included): equal hashes mean a write would change nothing. */
export function contentHash(brief: Brief): string {
  return createHash('sha256').update(canonical(brief)).digest('base64url');
}

/** Applies a source's defaults to an item that does not say otherwise. */
function withSourceDefaults(
  input: Record<string, unknown>,
  source: SourceConfig,
  sourceName: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...input };
  const editions = out.editions;
  if (editions === undefined || (Array.isArray(editions) && editions.length === 0)) {
    if (source.editions.length > 0) out.editions = [...source.editions];
  }
  if (out.topic === undefined && source.topic) out.topic = source.topic;
  if (out.region === undefined && source.region) out.region = source.region;
  if (out.source === undefined) out.source = { id: source.id, name: sourceName };
  return out;
}

/** Validates one candidate; a rejection names the first offending field. */
export function validateCandidate(
  input: Record<string, unknown>,
  position: number,
  context: { editions: ReadonlySet<string>; now: Date },
): { brief: Brief } | { rejection: ItemRejection } {
  const editions = input.editions;
  if (editions === undefined || (Array.isArray(editions) && editions.length === 0)) {
    return {
      rejection: {
        position,
        field: 'editions',
        reason:
          'names no edition, and the source has no default editions (set "editions" on the source, or --edition)',
      },
    };
  }
  const parsed = BriefSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      rejection: {
        position,
        field: issue?.path.map(String).join('.') || '(item)',
        reason: issue?.message ?? 'is not a valid brief',
      },
    };
  }
  const brief = parsed.data;
  const unknown = brief.editions.find((e) => !context.editions.has(e));
  if (unknown) {
    return { rejection: { position, field: 'editions', reason: `unknown edition "${unknown}"` } };
  }
  const latest = new Date(context.now.getTime() + MAX_FUTURE_SKEW_MS).toISOString();
  for (const field of ['publishedAt', 'updatedAt'] as const) {
    if (brief[field] < EARLIEST_BRIEF_DATE || brief[field] > latest) {
      return {
        rejection: {
          position,
          field,
          reason: `${brief[field]} is not a plausible date (before 1990 or more than a day ahead)`,
        },
      };
    }
  }
  if (brief.updatedAt < brief.publishedAt) {
    return { rejection: { position, field: 'updatedAt', reason: 'is earlier than publishedAt' } };
  }
  return { brief };
}

interface Prepared {
  briefs: Brief[];
  /** Ids of the briefs that came from feed items. */
  feedItems: Set<string>;
  rejected: ItemRejection[];
  duplicates: number;
}

/** Validates, dates and de-duplicates one source's candidates (pure apart from reading stored dates). */
async function prepare(
  fetched: Extract<SourceFetch, { status: 'fetched' }>,
  source: SourceConfig,
  taken: Set<string>,
  deps: IngestDeps,
  now: Date,
): Promise<Prepared> {
  const editions = new Set(deps.config.editions.map((e) => e.id));
  const rejected = [...fetched.rejected];
  const sourceName = source.name ?? fetched.title?.slice(0, 120) ?? source.id;
  const nowIso = now.toISOString();

  const undatedIds = fetched.candidates
    .filter((c) => c.undated && typeof c.input.id === 'string')
    .map((c) => c.input.id as string);
  const stored = undatedIds.length > 0 ? await deps.store.getMany(undatedIds) : new Map();

  const byId = new Map<string, Brief>();
  const feedItems = new Set<string>();
  let duplicates = 0;
  for (const candidate of fetched.candidates) {
    const input = withSourceDefaults(candidate.input, source, sourceName);
    if (candidate.undated) {
      const previous = typeof input.id === 'string' ? stored.get(input.id) : undefined;
      input.publishedAt = previous?.publishedAt ?? nowIso;
      input.updatedAt = previous?.updatedAt ?? nowIso;
    }
    const result = validateCandidate(input, candidate.position, { editions, now });
    if ('rejection' in result) {
      rejected.push(result.rejection);
      continue;
    }
    let brief = result.brief;
    if (candidate.feedItem) feedItems.add(brief.id);
    if (candidate.undated) {
      const previous = stored.get(brief.id);
      // Same dates as stored, so only a real change of text makes this copy newer.
      if (previous && previous.contentHash !== contentHash(brief)) brief = { ...brief, updatedAt: nowIso };
    }
    if (taken.has(brief.id)) {
      duplicates++;
      continue;
    }
    const seen = byId.get(brief.id);
    if (seen) {
      duplicates++;
      if (brief.updatedAt > seen.updatedAt) byId.set(brief.id, brief);
      continue;
    }
    byId.set(brief.id, brief);
  }
  rejected.sort((a, b) => a.position - b.position);
  return { briefs: [...byId.values()], feedItems, rejected, duplicates };
}

function emptySummary(source: string): IngestSummary {
  return { source, fetched: 0, new: 0, updated: 0, unchanged: 0, merged: 0, duplicates: 0, rejected: [] };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Ingests each source and returns one summary per source, in the order given. A source that
 * fails (unreachable, unparseable, or the store refusing) gets an `error` and stops nothing else.
 * The same story appearing again in this run, in the same or a later source, is stored once:
 * within a source the newest copy wins, across sources the first source. Feed items of a source
 * that does not opt out (`cluster: false`) are placed in stories: an item that reports the same
 * event as a recent story joins it as a signal (counted as merged), else starts its own.
 */
export async function ingestSources(
  sources: readonly SourceConfig[],
  deps: IngestDeps,
): Promise<IngestSummary[]> {
  const now = deps.clock.now();
  type Fetched = { result: SourceFetch } | { error: string };
  const fetchOne = async (source: SourceConfig): Promise<Fetched> => {
    try {
      const previous = await deps.store.getSourceState(source.id).catch(() => undefined);
      return { result: await deps.fetchSource(source, previous) };
    } catch (error) {
      return { error: message(error) };
    }
  };
  // A window of fetches runs ahead of storing, which keeps configuration order (so "first source
  // wins" is deterministic) and bounds memory to a few documents at a time.
  const pending = new Map<number, Promise<Fetched>>();
  const start = (index: number): void => {
    const source = sources[index];
    if (source) pending.set(index, fetchOne(source));
  };
  for (let i = 0; i < FETCH_CONCURRENCY; i++) start(i);

  const taken = new Set<string>();
  const desk = new StoryDesk(deps.store, now);
  const summaries: IngestSummary[] = [];
  // A source that does not cluster is stored while the next ones are prepared and stored: their
  // briefs are apart (ids carry the source, and a story already taken is dropped from the later
  // source before either is written), so up to STORE_CONCURRENCY sources' writes are under way at
  // once. A source that clusters reads the stories the earlier sources stored: it waits for them.
  const storing: Promise<void>[] = [];
  for (const [index, source] of sources.entries()) {
    const summary = emptySummary(source.id);
    summaries.push(summary);
    const outcome = (await pending.get(index)) ?? { error: 'not fetched' };
    pending.delete(index);
    start(index + FETCH_CONCURRENCY);
    if ('error' in outcome) {
      summary.error = outcome.error;
      continue;
    }
    const { result } = outcome;
    if (result.status === 'not-modified') {
      summary.notModified = true;
      continue;
    }
    summary.fetched = result.candidates.length + result.rejected.length;
    const clusters = source.cluster !== false;
    if (clusters) await Promise.all(storing.splice(0));
    let prepared: Prepared;
    try {
      // In configuration order, each against the briefs every earlier source took.
      prepared = await prepare(result, source, taken, deps, now);
    } catch (error) {
      summary.error = `storing failed: ${message(error)}`;
      continue;
    }
    for (const brief of prepared.briefs) taken.add(brief.id);
    summary.rejected = prepared.rejected;
    summary.duplicates = prepared.duplicates;
    const stored = storeSource(prepared, result, source, summary, { deps, desk, now });
    if (clusters) await stored;
    else storing.push(stored);
    // The oldest source's writes end before one more starts.
    if (storing.length >= STORE_CONCURRENCY) await storing.shift();
  }
  await Promise.all(storing);
  return summaries;
}

/**
 * Stores one prepared source's briefs (story placement first, where the source clusters), then
 * its fetch state; its summary is filled in, a failure recorded there. Its briefs counted as
 * taken once prepared, so a later source drops its copies of them (the first source wins) even
 * while these writes are under way.
 */
async function storeSource(
  prepared: Prepared,
  result: Extract<SourceFetch, { status: 'fetched' }>,
  source: SourceConfig,
  summary: IngestSummary,
  run: { deps: IngestDeps; desk: StoryDesk; now: Date },
): Promise<void> {
  const { deps, desk, now } = run;
  try {
    const clustered =
      source.cluster === false ? [] : prepared.briefs.filter((b) => prepared.feedItems.has(b.id));
    const placement = clustered.length > 0 ? await desk.place(clustered) : undefined;
    const plain = [
      ...prepared.briefs.filter((b) => source.cluster === false || !prepared.feedItems.has(b.id)),
      ...(placement?.plain ?? []),
    ];
    const outcomes: UpsertOutcome[] = plain.length > 0 ? await deps.store.upsertMany(plain, now) : [];
    if (placement && placement.writes.length > 0) await deps.store.upsertMany(placement.writes, now);
    for (const outcome of outcomes) summary[outcome]++;
    for (const outcome of placement?.outcomes.values() ?? []) summary[outcome]++;
    if (result.state) await deps.store.putSourceState(source.id, result.state);
  } catch (error) {
    summary.error = `storing failed: ${message(error)}`;
  }
}

/**
 * The configured sources of `config`, ingested with {@link ingestSources}. What `run --once`, the
 * local schedule and the Lambda call.
 */
export function ingestConfiguredSources(
  config: Pick<TidingsConfig, 'editions' | 'sources'>,
  deps: Omit<IngestDeps, 'config'>,
): Promise<IngestSummary[]> {
  return ingestSources(config.sources, { ...deps, config });
}

/** One line per source for operators, e.g. `sample-briefs: fetched 6, new 6, updated 0, unchanged 0, rejected 0`. */
export function formatSummary(summary: IngestSummary): string[] {
  if (summary.error) return [`${summary.source}: failed: ${summary.error}`];
  if (summary.notModified) return [`${summary.source}: not modified since the last fetch`];
  const head =
    `${summary.source}: fetched ${summary.fetched}, new ${summary.new}, updated ${summary.updated}, ` +
    `unchanged ${summary.unchanged}, rejected ${summary.rejected.length}` +
    (summary.merged > 0 ? `, merged ${summary.merged}` : '') +
    (summary.duplicates > 0 ? `, duplicates ${summary.duplicates}` : '');
  return [head, ...summary.rejected.map((r) => `  item ${r.position}: ${r.field}: ${r.reason}`)];
}
