import { readFileSync } from 'node:fs';
import type { LabelledItem } from '../../lambdas/core/stories/evaluate.js';

/** The labelled story set (tests/fixtures/stories/labelled.json): items and their publishers' names. */
export const labelledSet = JSON.parse(readFileSync('tests/fixtures/stories/labelled.json', 'utf8')) as {
  publishers: Record<string, string>;
  items: LabelledItem[];
};

/** The labelled items recent enough to be matched against stories (the look-back is 14 days). */
export const recentLabelled = labelledSet.items.filter((i) => i.publishedAt >= '2026-11-16');

/** The publishers of the recent items, each once. */
export const recentPublishers = [...new Set(recentLabelled.map((i) => i.publisher))];
