import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  bestBaselineThreshold,
  clusterWithIndex,
  type LabelledItem,
  pairwiseScore,
} from '../../../../lambdas/core/stories/evaluate.js';
import { DEFAULT_MATCH_SETTINGS } from '../../../../lambdas/core/stories/match.js';

const items = (
  JSON.parse(readFileSync('tests/fixtures/stories/labelled.json', 'utf8')) as { items: LabelledItem[] }
).items;

describe('story matching on the labelled set', () => {
  it('is a set of at least 40 items from several publishers with look-alikes', () => {
    expect(items.length).toBeGreaterThanOrEqual(40);
    expect(new Set(items.map((i) => i.publisher)).size).toBeGreaterThanOrEqual(5);
    expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
  });

  it('reaches pairwise precision 0.9 and recall 0.8 in the order given', () => {
    const score = pairwiseScore(items, clusterWithIndex(items));
    expect(score.precision).toBeGreaterThanOrEqual(0.9);
    expect(score.recall).toBeGreaterThanOrEqual(0.8);
  });

  it('reaches the same targets when the items arrive in reverse order', () => {
    const reversed = [...items].reverse();
    const score = pairwiseScore(reversed, clusterWithIndex(reversed));
    expect(score.precision).toBeGreaterThanOrEqual(0.9);
    expect(score.recall).toBeGreaterThanOrEqual(0.8);
  });

  it('keeps same-subject events apart: rate cut and budget, jet order and profit, flood and barrier vote', () => {
    const story = clusterWithIndex(items);
    const apart = (a: string, b: string): void => expect(story.get(a), `${a} / ${b}`).not.toBe(story.get(b));
    apart('rate-1', 'budget-1');
    apart('rate-2', 'cpi-2');
    apart('rate-1', 'rate-hold-1');
    apart('jets-1', 'profit-1');
    apart('profit-1', 'profit-q2-1');
    apart('flood-1', 'barrier-1');
    apart('flood-1', 'flood-march-1');
    apart('raise-1', 'outage-1');
  });

  it('beats a plain TF-IDF cosine on precision, even at the threshold that suits the baseline best', () => {
    const ours = pairwiseScore(items, clusterWithIndex(items));
    const { score: baseline } = bestBaselineThreshold(items);
    expect(ours.precision).toBeGreaterThan(baseline.precision);
  });

  it('would merge look-alikes without the time window (the window is doing work)', () => {
    const noWindow = { ...DEFAULT_MATCH_SETTINGS, windowMs: Number.POSITIVE_INFINITY };
    const story = clusterWithIndex(items, noWindow);
    expect(pairwiseScore(items, story).precision).toBeLessThan(0.9);
  });
});
