/**
 * Story matching, quality and cost.
 *
 * Quality: the labelled set (tests/fixtures/stories/labelled.json) clustered by the story index
 * ingest uses, scored by pairwise precision and recall, beside a plain TF-IDF cosine over title
 * and summary with the same one-pass clustering at the threshold that suits it best on the set.
 *
 * Cost: feed items ingested through the production path (validate, place in stories, conditional
 * writes) into the embedded DynamoDB holding `stories` recent stories of one edition, against the
 * same number of items ingested from a source with `cluster: false`, in the same run and store.
 * Half the items retell a stored story in other words, half are new events.
 *
 *   npx tsx bench/cluster.bench.ts [--stories 10000] [--items 1000]
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfigFile } from '../cli/config-file.js';
import { startLocalStack } from '../cli/local/stack.js';
import { DynamoBriefStore } from '../lambdas/adapters/dynamo-brief-store.js';
import type { SourceConfig } from '../lambdas/core/config.js';
import { type BriefCandidate, ingestSources, type SourceFetch } from '../lambdas/core/ingest.js';
import {
  bestBaselineThreshold,
  clusterWithIndex,
  clusterWithTfIdf,
  type LabelledItem,
  pairwiseScore,
} from '../lambdas/core/stories/evaluate.js';
import { composeStory, type StoryItem } from '../lambdas/core/stories/story.js';
import { type Figure, numericFlags, runIfMain } from './lib.js';

const COMMAND = 'npx tsx bench/cluster.bench.ts';
const NOW = new Date('2026-11-30T18:00:00Z');

/** A deterministic generator, so every run ingests the same text. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const SYLLABLES = [
  'ka',
  'ro',
  'ven',
  'dal',
  'mi',
  'sor',
  'te',
  'lun',
  'bra',
  'qui',
  'no',
  'zel',
  'fa',
  'gor',
  'pe',
];

function vocabulary(size: number, next: () => number): string[] {
  const words = new Set<string>();
  while (words.size < size) {
    const n = 2 + Math.floor(next() * 3);
    words.add(Array.from({ length: n }, () => SYLLABLES[Math.floor(next() * SYLLABLES.length)]).join(''));
  }
  return [...words];
}

interface Event {
  name: string;
  words: string[];
  figure: number;
  at: number;
}

function makeEvents(count: number, next: () => number): Event[] {
  const words = vocabulary(6000, next);
  const pick = (): string => words[Math.floor(next() * words.length)] as string;
  return Array.from({ length: count }, () => {
    const name = pick();
    return {
      name: name.charAt(0).toUpperCase() + name.slice(1),
      words: Array.from({ length: 14 }, pick),
      figure: 10 + Math.floor(next() * 5000),
      // Spread over the last ten days, so every stored story is within the look-back.
      at: NOW.getTime() - Math.floor(next() * 10 * 24 * 3600 * 1000),
    };
  });
}

/** One retelling of an event: a title and summary drawn from its words, in another order. */
function tell(event: Event, next: () => number): { title: string; summary: string } {
  const shuffled = [...event.words].sort(() => next() - 0.5);
  return {
    title: `${event.name} ${shuffled.slice(0, 5).join(' ')}`,
    summary: `Officials in ${event.name} said ${shuffled.slice(3, 12).join(' ')} at ${event.figure} sites.`,
  };
}

function storyItem(id: string, source: string, event: Event, next: () => number): StoryItem {
  const { title, summary } = tell(event, next);
  const at = new Date(event.at).toISOString();
  return {
    id,
    source: { id: source, name: source },
    headline: title,
    news: [summary],
    topic: 'news',
    editions: ['dc'],
    publishedAt: at,
    updatedAt: at,
  };
}

function candidate(position: number, id: string, event: Event, next: () => number): BriefCandidate {
  const { title, summary } = tell(event, next);
  const at = new Date(event.at + 3600_000).toISOString();
  return {
    position,
    feedItem: true,
    input: { id, headline: title, news: [summary], topic: 'news', publishedAt: at, updatedAt: at },
  };
}

const labelled = (file: string): LabelledItem[] =>
  (JSON.parse(readFileSync(`tests/fixtures/stories/${file}`, 'utf8')) as { items: LabelledItem[] }).items;

function qualityFigures(): Figure[] {
  const items = labelled('labelled.json');
  // Written after the weights were chosen and never used to tune them.
  const heldOut = labelled('held-out.json');
  const oursHeldOut = pairwiseScore(heldOut, clusterWithIndex(heldOut));
  const ours = pairwiseScore(items, clusterWithIndex(items));
  const reversed = [...items].reverse();
  const oursReversed = pairwiseScore(reversed, clusterWithIndex(reversed));
  const baseline = bestBaselineThreshold(items);
  const stories = new Set(items.map((i) => i.story)).size;
  const baselineHeldOut = pairwiseScore(heldOut, clusterWithTfIdf(heldOut, baseline.threshold));
  const held = (key: 'precision' | 'recall'): string =>
    `; held-out set (${heldOut.length} items, ${oursHeldOut.truePairs} same-event pairs, not used for tuning): ${oursHeldOut[key].toFixed(3)}, baseline ${baselineHeldOut[key].toFixed(3)}`;
  const about = `${items.length} labelled items, ${stories} events, ${baseline.score.truePairs} same-event pairs; baseline: plain TF-IDF cosine of title and summary at its best-F1 threshold ${baseline.threshold}`;
  return [
    {
      name: 'cluster-precision',
      value: ours.precision,
      unit: 'pairwise precision',
      baseline: baseline.score.precision,
      baselineName: 'plain TF-IDF cosine',
      ratio: ours.precision / baseline.score.precision,
      higherIsBetter: true,
      command: COMMAND,
      notes: `${about}; items in reverse order: ${oursReversed.precision.toFixed(3)}${held('precision')}`,
    },
    {
      name: 'cluster-recall',
      value: ours.recall,
      unit: 'pairwise recall',
      baseline: baseline.score.recall,
      baselineName: 'plain TF-IDF cosine',
      ratio: ours.recall / baseline.score.recall,
      higherIsBetter: true,
      command: COMMAND,
      notes: `${about}; items in reverse order: ${oursReversed.recall.toFixed(3)}${held('recall')}`,
    },
  ];
}

export default async function clusterBench(argv: string[]): Promise<Figure[]> {
  const flags = numericFlags(argv, { stories: 10_000, items: 1000 });
  const figures = qualityFigures();

  const config = await readConfigFile({});
  const home = await mkdtemp(join(tmpdir(), 'tidings-bench-cluster-'));
  const stack = await startLocalStack({ home, config, ports: { dynamodb: 0, ses: 0 }, inMemory: true });
  try {
    const store = new DynamoBriefStore(stack.doc, stack.tables.briefs);
    const next = random(19);
    const events = makeEvents(flags.stories + flags.items, next);
    const stored = events.slice(0, flags.stories);
    for (let i = 0; i < stored.length; i += 500) {
      await store.upsertMany(
        stored.slice(i, i + 500).map((event, j) => {
          const item = storyItem(`wire:${i + j}`, 'wire', event, next);
          return composeStory(item.id, { items: [item] }, item.updatedAt);
        }),
        NOW,
      );
    }
    // Half retell a stored story, half report an event not seen yet.
    const retold = (i: number): Event =>
      i % 2 === 0 ? (stored[(i * 7919) % stored.length] as Event) : (events[flags.stories + i] as Event);
    const fetchOf = (prefix: string): SourceFetch => ({
      status: 'fetched',
      candidates: Array.from({ length: flags.items }, (_, i) =>
        candidate(i + 1, `${prefix}:${i}`, retold(i), next),
      ),
      rejected: [],
    });
    const plainFetch = fetchOf('plain');
    const clusteredFetch = fetchOf('desk');
    const source = (id: string, cluster: boolean): SourceConfig => ({
      id,
      location: `${id}.xml`,
      format: 'rss',
      editions: ['dc'],
      cluster,
    });
    const run = async (src: SourceConfig, doc: SourceFetch): Promise<{ ms: number; merged: number }> => {
      const start = performance.now();
      const [summary] = await ingestSources([src], {
        fetchSource: async () => structuredClone(doc),
        store,
        clock: { now: () => NOW },
        config,
      });
      if (!summary || summary.error) throw new Error(`ingest failed: ${summary?.error}`);
      return { ms: performance.now() - start, merged: summary.merged };
    };
    // What the clustered run spends reading the edition's stories once, measured alone.
    const readStart = performance.now();
    let read = 0;
    for await (const _ of store.listStories('dc', new Date(NOW.getTime() - 16 * 24 * 3600_000).toISOString()))
      read++;
    const readMs = performance.now() - readStart;
    const plain = await run(source('plain', false), plainFetch);

    const clustered = await run(source('desk', true), clusteredFetch);
    const rate = (ms: number): number => flags.items / (ms / 1000);
    figures.push({
      name: 'cluster-throughput',
      value: rate(clustered.ms),
      unit: 'items/s',
      baseline: rate(plain.ms),
      baselineName: 'ingest without clustering',
      ratio: rate(clustered.ms) / rate(plain.ms),
      higherIsBetter: true,
      command: `${COMMAND} --stories ${flags.stories} --items ${flags.items}`,
      notes: `${flags.items} feed items against ${flags.stories} stored stories of one edition in dynalite (in memory), one ingest run each: the clustered run reads the edition's recent stories once (one paginated Query), then looks up candidates by rare terms; ${clustered.merged} of the ${flags.items} items joined a story (${flags.items / 2} retell one); reading the ${read} stories alone took ${readMs.toFixed(0)} ms, and each item that joins a story rewrites it (read, conditional edition items, update) where a new brief is one batched put`,
    });
    return figures;
  } finally {
    await stack.close();
    await rm(home, { recursive: true, force: true });
  }
}

await runIfMain(import.meta.url, clusterBench);
