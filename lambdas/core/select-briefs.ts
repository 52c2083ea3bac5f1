import type { StoredBrief } from './brief.js';
import { compareCodeUnits } from './order.js';

/** A brief chosen for an issue; `updated` when it went out before and changed since. */
export interface SelectedBrief {
  brief: StoredBrief;
  updated: boolean;
}

export interface SelectionInput {
  /** Candidates; any order, any window (the rules below decide). */
  candidates: readonly StoredBrief[];
  /** The previous issue's cutoff; absent for an edition's first issue. */
  previousCutoff?: string;
  /** This cutoff: nothing published or updated after it is in. */
  cutoff: string;
  limit: number;
}

const time = (iso: string): number => Date.parse(iso);

/**
 * Picks an issue's briefs (CONTRACT.md): the first issue carries the most recent briefs however
 * old; a later issue carries those published or updated after the previous cutoff. Newest first
 * by last change, at most `limit`, never a retracted brief, never one from after the cutoff.
 */
export function selectBriefs(input: SelectionInput): SelectedBrief[] {
  const cutoff = time(input.cutoff);
  const previous = input.previousCutoff === undefined ? undefined : time(input.previousCutoff);
  const seen = new Set<string>();
  const chosen: SelectedBrief[] = [];
  for (const brief of input.candidates) {
    if (brief.retracted || seen.has(brief.id)) continue;
    const published = time(brief.publishedAt);
    // A brief's last change is its update, or its publication when the feed dated the update earlier.
    const changed = Math.max(published, time(brief.updatedAt));
    if (published > cutoff || changed > cutoff) continue;
    if (previous !== undefined && changed <= previous) continue;
    seen.add(brief.id);
    chosen.push({ brief, updated: previous !== undefined && published <= previous });
  }
  chosen.sort(
    (a, b) =>
      lastChange(b.brief) - lastChange(a.brief) ||
      time(b.brief.publishedAt) - time(a.brief.publishedAt) ||
      compareCodeUnits(a.brief.id, b.brief.id),
  );
  return chosen.slice(0, Math.max(0, input.limit));
}

function lastChange(brief: StoredBrief): number {
  return Math.max(time(brief.publishedAt), time(brief.updatedAt));
}
