import { type StoryFeatures, storyFeatures } from './features.js';
import { cosine, DEFAULT_MATCH_SETTINGS, type MatchSettings, StoryIndex } from './match.js';

/**
 * Scoring story matching on a labelled set: items are clustered one by one in the order given, as
 * ingest would meet them, and every pair of items is judged: predicted together and labelled
 * together is a true positive. The labelled-set test and `bench/cluster.bench.ts` both use this.
 */

export interface LabelledItem {
  id: string;
  /** Items with the same label report one event. */
  story: string;
  publisher: string;
  publishedAt: string;
  title: string;
  summary: string;
}

export interface PairwiseScore {
  precision: number;
  recall: number;
  truePairs: number;
  predictedPairs: number;
  correctPairs: number;
}

/** Pairwise precision and recall of `predicted` (item → cluster) against the labels. */
export function pairwiseScore(
  items: readonly LabelledItem[],
  predicted: ReadonlyMap<string, string>,
): PairwiseScore {
  let truePairs = 0;
  let predictedPairs = 0;
  let correctPairs = 0;
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      const a = items[i] as LabelledItem;
      const b = items[j] as LabelledItem;
      const same = a.story === b.story;
      const together = predicted.get(a.id) === predicted.get(b.id);
      if (same) truePairs++;
      if (together) predictedPairs++;
      if (same && together) correctPairs++;
    }
  }
  return {
    precision: predictedPairs === 0 ? 1 : correctPairs / predictedPairs,
    recall: truePairs === 0 ? 1 : correctPairs / truePairs,
    truePairs,
    predictedPairs,
    correctPairs,
  };
}

const featuresOf = (item: LabelledItem): StoryFeatures =>
  storyFeatures({ title: item.title, summary: item.summary, publishedAt: item.publishedAt });

/**
 * Clusters the items with the {@link StoryIndex} ingest uses: each joins the best story above the
 * threshold or starts its own. Term rarity is counted over the whole set first, as ingest counts it
 * over every recent brief. Returns item id → story (the id of the story's first item).
 */
export function clusterWithIndex(
  items: readonly LabelledItem[],
  settings: Readonly<MatchSettings> = DEFAULT_MATCH_SETTINGS,
): Map<string, string> {
  const index = new StoryIndex(settings);
  const features = items.map(featuresOf);
  for (const f of features) index.observe(f);
  const out = new Map<string, string>();
  items.forEach((item, i) => {
    const f = features[i] as StoryFeatures;
    const match = index.best(f, ['all'], item.publisher);
    const briefId = match?.briefId ?? item.id;
    out.set(item.id, briefId);
    index.add({ itemId: item.id, briefId, sourceId: item.publisher, editions: ['all'], features: f });
  });
  return out;
}

const BASELINE_STOP_WORDS = new Set(
  'a an and are as at be by for from has have in is it its of on or that the their to was were will with'.split(
    ' ',
  ),
);

/** Plain bag of words: lower-case words of title and summary, a short stop list, no stemming. */
function bagOfWords(item: LabelledItem): Map<string, number> {
  const out = new Map<string, number>();
  for (const word of `${item.title} ${item.summary}`.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (!BASELINE_STOP_WORDS.has(word)) out.set(word, (out.get(word) ?? 0) + 1);
  }
  return out;
}

/**
 * The baseline: plain TF-IDF cosine over title and summary, the same one-pass clustering, no time
 * window, names or figures. Each item joins the story of its most similar earlier item when the
 * cosine reaches `threshold`.
 */
export function clusterWithTfIdf(items: readonly LabelledItem[], threshold: number): Map<string, string> {
  const bags = items.map(bagOfWords);
  const df = new Map<string, number>();
  for (const bag of bags) for (const term of bag.keys()) df.set(term, (df.get(term) ?? 0) + 1);
  const idf = (term: string): number => Math.log(1 + (items.length + 1) / ((df.get(term) ?? 0) + 1));
  const out = new Map<string, string>();
  items.forEach((item, i) => {
    let best: { story: string; score: number } | undefined;
    for (let j = 0; j < i; j++) {
      const score = cosine(bags[i] as Map<string, number>, bags[j] as Map<string, number>, idf);
      if (score >= threshold && (!best || score > best.score)) {
        best = { story: out.get((items[j] as LabelledItem).id) as string, score };
      }
    }
    out.set(item.id, best?.story ?? item.id);
  });
  return out;
}

/** The baseline's threshold with the best F1 on the set (its best case), from 0.05 to 0.95. */
export function bestBaselineThreshold(items: readonly LabelledItem[]): {
  threshold: number;
  score: PairwiseScore;
} {
  let best: { threshold: number; score: PairwiseScore; f1: number } | undefined;
  for (let t = 5; t <= 95; t += 5) {
    const score = pairwiseScore(items, clusterWithTfIdf(items, t / 100));
    const f1 = (2 * score.precision * score.recall) / (score.precision + score.recall || 1);
    if (!best || f1 > best.f1) best = { threshold: t / 100, score, f1 };
  }
  const { threshold, score } = best as { threshold: number; score: PairwiseScore };
  return { threshold, score };
}
