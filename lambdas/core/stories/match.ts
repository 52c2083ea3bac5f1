import type { StoryFeatures } from './features.js';

/**
 * Deciding whether an item reports the same event as a stored story, and finding the few stories
 * worth asking without reading every brief.
 *
 * The score of an item against one item of a story is the TF-IDF cosine of their terms (title
 * terms count twice, reported figures are terms too), plus a bonus for each figure both report
 * (capped), less a penalty when both name places, firms or people and share none. Items published
 * further apart than the window never match, however alike: a city's flood and its council's
 * flood-barrier vote months earlier share every word that matters. A story's score is the best of
 * its items'. See docs/ingestion.md for the measured quality and why this method.
 */

export interface MatchSettings {
  /** Items published further apart than this are never the same event. */
  windowMs: number;
  /** Lowest score that joins an item to a story. */
  threshold: number;
  /** Added to the cosine for each figure both items report, up to {@link figureBonusCap}. */
  figureBonus: number;
  figureBonusCap: number;
  /** Subtracted when both items name someone or somewhere and share no name. */
  disjointNamesPenalty: number;
  /**
   * Scales the weight of names (places, firms, people) in the cosine: they tell the subject, and
   * two events of one subject share them, so the words around them must carry the match.
   */
  nameWeight: number;
  /**
   * Lowest score that joins an item to a story its own source is already in (the item then
   * replaces that source's part): a feed's two items are seldom one event, and a wrong call would
   * hide one of them, so the bar is higher.
   */
  sameSourceThreshold: number;
}

export const DEFAULT_MATCH_SETTINGS: Readonly<MatchSettings> = {
  windowMs: 48 * 60 * 60 * 1000,
  threshold: 0.22,
  figureBonus: 0.1,
  figureBonusCap: 0.2,
  disjointNamesPenalty: 0.1,
  nameWeight: 0.5,
  sameSourceThreshold: 0.6,
};

/** How many of an item's rarest terms look up candidates. */
const LOOKUP_TERMS = 8;
/** A term on more items than this is too common to narrow the search and is not looked up. */
const MAX_POSTINGS = 2000;

/** One item of a story, as the index holds it. */
export interface IndexedItem {
  itemId: string;
  briefId: string;
  sourceId: string;
  editions: readonly string[];
  features: StoryFeatures;
}

export interface StoryMatch {
  briefId: string;
  score: number;
}

/** Cosine of two weighted term maps, each weight scaled by `idf`. */
export function cosine(
  a: Map<string, number>,
  b: Map<string, number>,
  idf: (term: string) => number,
): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [term, weight] of a) {
    const w = weight * idf(term);
    na += w * w;
    const other = b.get(term);
    if (other !== undefined) dot += w * other * idf(term);
  }
  for (const [term, weight] of b) {
    const w = weight * idf(term);
    nb += w * w;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

function sharedCount<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): number {
  let n = 0;
  for (const x of a) if (b.has(x)) n++;
  return n;
}

/** The score of item `a` against item `b` (0 when they are further apart than the window). */
export function pairScore(
  a: StoryFeatures,
  b: StoryFeatures,
  idf: (term: string) => number,
  settings: Readonly<MatchSettings> = DEFAULT_MATCH_SETTINGS,
): number {
  if (!(Math.abs(a.time - b.time) <= settings.windowMs)) return 0;
  const weight =
    settings.nameWeight === 1
      ? idf
      : (term: string): number =>
          a.names.has(term) || b.names.has(term) ? settings.nameWeight * idf(term) : idf(term);
  let score = cosine(a.terms, b.terms, weight);
  const figures = sharedCount(a.figures, b.figures);
  score += Math.min(settings.figureBonusCap, figures * settings.figureBonus);
  if (a.names.size > 0 && b.names.size > 0 && sharedCount(a.names, b.names) === 0) {
    score -= settings.disjointNamesPenalty;
  }
  return score;
}

/**
 * The items of recent stories, with an inverted index from term to items so that an item is
 * compared only with items that share one of its rarer terms, and document frequencies for the
 * rarity weights. Pure and in memory: ingest fills it once per run from the store's recent briefs.
 */
export class StoryIndex {
  private readonly items = new Map<string, IndexedItem>();
  private readonly postings = new Map<string, Set<string>>();
  private readonly byBrief = new Map<string, Set<string>>();
  private readonly df = new Map<string, number>();
  private documents = 0;

  constructor(private readonly settings: Readonly<MatchSettings> = DEFAULT_MATCH_SETTINGS) {}

  /** Counts an item's terms towards their rarity (every item seen, indexed or not). */
  observe(features: StoryFeatures): void {
    this.documents++;
    for (const term of features.terms.keys()) this.df.set(term, (this.df.get(term) ?? 0) + 1);
  }

  /** Smoothed inverse document frequency. */
  readonly idf = (term: string): number =>
    Math.log(1 + (this.documents + 1) / ((this.df.get(term) ?? 0) + 1));

  /** Number of items indexed. */
  get size(): number {
    return this.items.size;
  }

  /** Adds (or moves) an item to a story. */
  add(item: IndexedItem): void {
    this.remove(item.itemId);
    this.items.set(item.itemId, item);
    for (const term of item.features.terms.keys()) {
      const set = this.postings.get(term) ?? new Set<string>();
      this.postings.set(term, set);
      set.add(item.itemId);
    }
    const members = this.byBrief.get(item.briefId) ?? new Set<string>();
    this.byBrief.set(item.briefId, members);
    members.add(item.itemId);
  }

  remove(itemId: string): void {
    const item = this.items.get(itemId);
    if (!item) return;
    this.items.delete(itemId);
    for (const term of item.features.terms.keys()) this.postings.get(term)?.delete(itemId);
    const members = this.byBrief.get(item.briefId);
    members?.delete(itemId);
    if (members?.size === 0) this.byBrief.delete(item.briefId);
  }

  /** Removes every item of a story (it was merged away, split, or rebuilt). */
  removeBrief(briefId: string): void {
    for (const itemId of [...(this.byBrief.get(briefId) ?? [])]) this.remove(itemId);
  }

  /** The story an item belongs to, if it is indexed. */
  briefOf(itemId: string): string | undefined {
    return this.items.get(itemId)?.briefId;
  }

  /** Items that share one of the item's rarest terms, in an edition it is for. */
  private candidates(features: StoryFeatures, editions: readonly string[]): IndexedItem[] {
    const ranked = [...features.terms.entries()]
      .map(([term, weight]) => ({ term, weight: weight * this.idf(term) }))
      .sort((a, b) => b.weight - a.weight)
      .slice(0, LOOKUP_TERMS);
    const seen = new Set<string>();
    const out: IndexedItem[] = [];
    for (const { term } of ranked) {
      const posting = this.postings.get(term);
      if (!posting || posting.size > MAX_POSTINGS) continue;
      for (const itemId of posting) {
        if (seen.has(itemId)) continue;
        seen.add(itemId);
        const item = this.items.get(itemId);
        if (!item) continue;
        if (Math.abs(item.features.time - features.time) > this.settings.windowMs) continue;
        if (!item.editions.some((e) => editions.includes(e))) continue;
        out.push(item);
      }
    }
    return out;
  }

  /**
   * The story the item most likely reports, if any scores at least the threshold. `exclude`
   * leaves out stories the item must not join (an editor split it from them).
   */
  best(features: StoryFeatures, editions: readonly string[], sourceId: string): StoryMatch | undefined {
    const candidates = this.candidates(features, editions);
    // Stories among the candidates that already hold an item of this source.
    const ownSource = new Set<string>();
    for (const briefId of new Set(candidates.map((c) => c.briefId))) {
      for (const id of this.byBrief.get(briefId) ?? []) {
        if (this.items.get(id)?.sourceId === sourceId) ownSource.add(briefId);
      }
    }
    let best: StoryMatch | undefined;
    for (const item of candidates) {
      const score = pairScore(features, item.features, this.idf, this.settings);
      const bar = ownSource.has(item.briefId) ? this.settings.sameSourceThreshold : this.settings.threshold;
      if (
        score >= bar &&
        (!best || score > best.score || (score === best.score && item.briefId < best.briefId))
      ) {
        best = { briefId: item.briefId, score };
      }
    }
    return best;
  }
}
