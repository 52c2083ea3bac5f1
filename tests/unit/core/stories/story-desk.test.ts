import { describe, expect, it } from 'vitest';
import { deriveDeck, type StoredBrief } from '../../../../lambdas/core/brief.js';
import type { SourceConfig } from '../../../../lambdas/core/config.js';
import {
  type BriefCandidate,
  type FetchSource,
  type IngestDeps,
  ingestSources,
  type SourceFetch,
} from '../../../../lambdas/core/ingest.js';
import { mergeStories, StoryEditError, splitStory } from '../../../../lambdas/core/stories/editing.js';
import type { LabelledItem } from '../../../../lambdas/core/stories/evaluate.js';
import type { StoryRecord } from '../../../../lambdas/core/stories/story.js';
import { MemoryBriefStore } from '../../../support/fakes/brief-store.js';
import {
  recentPublishers as publishers,
  recentLabelled as recent,
  labelledSet as set,
} from '../../../support/labelled-stories.js';

const NOW = new Date('2026-11-30T18:00:00Z');
const LATER = new Date('2026-12-01T09:00:00Z');
const config = { editions: [{ id: 'dc' }] } as IngestDeps['config'];

function feedItem(item: LabelledItem, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: `${item.publisher}:${item.id}`,
    headline: item.title,
    news: [item.summary],
    topic: 'news',
    publishedAt: item.publishedAt,
    updatedAt: item.publishedAt,
    url: `https://${item.publisher}.example/${item.id}`,
    ...extra,
  };
}

function candidates(inputs: Record<string, unknown>[], feed = true): BriefCandidate[] {
  return inputs.map((input, i) =>
    feed ? { position: i + 1, input, feedItem: true } : { position: i + 1, input },
  );
}

/** Each publisher as a feed whose title names it; no name configured, so the title is the source's name. */
function feeds(items: readonly LabelledItem[]): Record<string, SourceFetch> {
  const out: Record<string, SourceFetch> = {};
  for (const publisher of publishers) {
    out[publisher] = {
      status: 'fetched',
      candidates: candidates(items.filter((i) => i.publisher === publisher).map((i) => feedItem(i))),
      rejected: [],
      title: set.publishers[publisher] as string,
    };
  }
  return out;
}

function fetcher(docs: Record<string, SourceFetch>): FetchSource {
  return async (s: SourceConfig): Promise<SourceFetch> => {
    const doc = docs[s.id];
    if (!doc) throw new Error('no such source');
    return structuredClone(doc);
  };
}

const source = (id: string, extra: Partial<SourceConfig> = {}): SourceConfig => ({
  id,
  location: `${id}.xml`,
  format: 'auto',
  editions: ['dc'],
  ...extra,
});

function deps(store: MemoryBriefStore, docs: Record<string, SourceFetch>, now = NOW): IngestDeps {
  return { store, fetchSource: fetcher(docs), clock: { now: () => now }, config };
}

/** Ingests each publisher in its own run, one after another. */
async function ingestOneByOne(store: MemoryBriefStore, order: readonly string[], now = NOW): Promise<void> {
  const docs = feeds(recent);
  for (const publisher of order) await ingestSources([source(publisher)], deps(store, docs, now));
}

const live = (store: MemoryBriefStore): StoredBrief[] =>
  [...store.briefs.values()].filter((b) => !b.retracted);
const storyOf = (brief: StoredBrief): StoryRecord => (brief as StoredBrief & { story: StoryRecord }).story;
/** The live brief holding a labelled item. */
const briefWith = (store: MemoryBriefStore, labelId: string): StoredBrief | undefined =>
  live(store).find((b) => storyOf(b)?.items.some((i) => i.id.endsWith(`:${labelId}`)));

describe('stories from feeds', () => {
  it('makes one brief per event from feeds ingested one after another, with a signal per other source', async () => {
    const store = new MemoryBriefStore();
    await ingestOneByOne(store, publishers);

    const rate = briefWith(store, 'rate-1') as StoredBrief;
    expect(rate.headline).toBe("Valdoria's central bank cuts its main rate to 3.5%");
    expect(rate.news).toEqual([recent.find((i) => i.id === 'rate-1')?.summary]);
    expect(rate.source).toEqual({ id: 'capital-ledger', name: 'Capital Ledger' });
    expect(rate.url).toBe('https://capital-ledger.example/rate-1');
    expect(rate.signals.map((s) => s.sources[0]?.name)).toEqual([
      'Meridian Wire',
      'The Northern Post',
      'Policy Weekly',
      'Coastline Daily',
    ]);
    expect(rate.signals[0]).toEqual({
      headline: 'Bank of Valdoria trims interest rate by quarter point',
      body: recent.find((i) => i.id === 'rate-2')?.summary,
      sources: [{ name: 'Meridian Wire', url: 'https://meridian-wire.example/rate-2' }],
    });
    expect(deriveDeck(rate)).toBe(
      'Insights from Meridian Wire, The Northern Post, Policy Weekly, and Coastline Daily',
    );
    for (const [label, signals] of [
      ['flood-1', 4],
      ['cable-1', 3],
      ['jets-1', 2],
      ['profit-1', 2],
      // budget-vote-1 is Policy Weekly's later item of the same story: it updates, not adds.
      ['budget-1', 2],
      ['blackout-1', 2],
    ] as const) {
      expect(briefWith(store, label)?.signals, label).toHaveLength(signals);
    }
  });

  it('keeps events of one subject apart', async () => {
    const store = new MemoryBriefStore();
    await ingestOneByOne(store, publishers);
    const apart = (a: string, b: string): void =>
      expect(briefWith(store, a)?.id, `${a} / ${b}`).not.toBe(briefWith(store, b)?.id);
    apart('rate-1', 'budget-1');
    apart('rate-1', 'cpi-1');
    apart('jets-1', 'profit-1');
    apart('jets-1', 'ceo-1');
    apart('flood-1', 'crane-1');
    apart('flood-1', 'strike-1');
    apart('raise-1', 'outage-1');
    apart('blackout-1', 'tariff-1');
  });

  it('builds the same stories whatever order the feeds arrive in', async () => {
    const forward = new MemoryBriefStore();
    await ingestOneByOne(forward, publishers);
    const backward = new MemoryBriefStore();
    await ingestOneByOne(backward, [...publishers].reverse());
    for (const label of ['rate-1', 'flood-1', 'jets-1', 'profit-1', 'blackout-1', 'battery-1']) {
      const a = briefWith(forward, label) as StoredBrief;
      const b = briefWith(backward, label) as StoredBrief;
      expect({ headline: b.headline, news: b.news, signals: b.signals }, label).toEqual({
        headline: a.headline,
        news: a.news,
        signals: a.signals,
      });
    }
  });

  it('writes nothing when the same feeds are ingested again', async () => {
    const store = new MemoryBriefStore();
    await ingestOneByOne(store, publishers);
    const writes = store.writes;
    const summaries = await ingestSources(
      publishers.map((p) => source(p)),
      deps(store, feeds(recent), LATER),
    );
    expect(store.writes).toBe(writes);
    expect(summaries.every((s) => s.new === 0 && s.merged === 0 && s.updated === 0)).toBe(true);
  });

  it('lets a later item of the same source update its part of a story rather than add a signal', async () => {
    const store = new MemoryBriefStore();
    await ingestOneByOne(store, publishers);
    const before = briefWith(store, 'cable-1') as StoredBrief;
    const update = {
      ...(recent.find((i) => i.id === 'cable-2') as LabelledItem),
      id: 'cable-2-update',
      publishedAt: '2026-11-29T20:00:00Z',
      title: "Ship's anchor blamed for SJX-1 cable cut between Singapore and Jakarta",
    };
    const docs = { 'harbour-desk': feeds([update])['harbour-desk'] as SourceFetch };
    const [summary] = await ingestSources([source('harbour-desk')], deps(store, docs, LATER));
    expect(summary).toMatchObject({ new: 0, updated: 1, merged: 0 });
    const after = briefWith(store, 'cable-1') as StoredBrief;
    expect(after.id).toBe(before.id);
    expect(after.signals).toHaveLength(before.signals.length);
    expect(after.signals.map((s) => s.headline)).toContain(update.title);
  });

  it('moves a sent story to now when it gains a signal, so the next issue shows it as updated', async () => {
    const store = new MemoryBriefStore();
    const docs = feeds(recent);
    await ingestSources([source('meridian-wire')], deps(store, docs));
    const first = briefWith(store, 'cable-1') as StoredBrief;
    expect(first.updatedAt).toBe('2026-11-29T03:00:00.000Z');
    const [summary] = await ingestSources([source('harbour-desk')], deps(store, docs, LATER));
    expect(summary?.merged).toBeGreaterThan(0);
    const after = briefWith(store, 'cable-1') as StoredBrief;
    expect(after.id).toBe(first.id);
    expect(after.updatedAt).toBe(LATER.toISOString());
    expect(after.publishedAt).toBe(first.publishedAt);
  });

  it('leaves the items of a source with cluster: false as briefs of their own', async () => {
    const store = new MemoryBriefStore();
    const docs = feeds(recent);
    await ingestSources([source('capital-ledger', { cluster: false })], deps(store, docs));
    await ingestSources([source('meridian-wire')], deps(store, docs));
    const ledgerRate = store.briefs.get('capital-ledger:rate-1') as StoredBrief;
    expect(ledgerRate.signals).toEqual([]);
    expect(storyOf(ledgerRate)).toBeUndefined();
    expect(briefWith(store, 'rate-2')?.id).toBe('meridian-wire:rate-2');
  });

  it('never merges into a Tidings brief', async () => {
    const store = new MemoryBriefStore();
    const rate1 = recent.find((i) => i.id === 'rate-1') as LabelledItem;
    const tidings: SourceFetch = {
      status: 'fetched',
      candidates: candidates([{ ...feedItem(rate1), id: 'tidings-rate', editions: ['dc'] }], false),
      rejected: [],
    };
    await ingestSources([source('desk')], deps(store, { desk: tidings }));
    await ingestSources([source('meridian-wire')], deps(store, feeds(recent)));
    expect(store.briefs.get('tidings-rate')?.signals).toEqual([]);
    expect(briefWith(store, 'rate-2')?.id).toBe('meridian-wire:rate-2');
  });
});

describe('editor corrections', () => {
  it('splits an item into a brief of its own, and later runs leave it there', async () => {
    const store = new MemoryBriefStore();
    await ingestOneByOne(store, publishers);
    const rate = briefWith(store, 'rate-1') as StoredBrief;
    const own = await splitStory(store, rate.id, 'coastline-daily:rate-5', LATER);
    expect(own).toBe('coastline-daily:rate-5');
    expect(store.briefs.get(own)?.headline).toBe(
      'Valdorian lenders follow central bank with lower mortgage rates',
    );
    expect(store.briefs.get(rate.id)?.signals.map((s) => s.sources[0]?.name)).not.toContain(
      'Coastline Daily',
    );

    await ingestOneByOne(store, publishers, LATER);
    expect(briefWith(store, 'rate-5')?.id).toBe(own);
    expect(briefWith(store, 'rate-1')?.signals).toHaveLength(3);
  });

  it('splits the lead item out under a new id and keeps the story under its own', async () => {
    const store = new MemoryBriefStore();
    await ingestOneByOne(store, publishers);
    const rate = briefWith(store, 'rate-1') as StoredBrief;
    const own = await splitStory(store, rate.id, 'capital-ledger:rate-1', LATER);
    expect(own).toBe('capital-ledger:rate-1.split');
    expect(store.briefs.get(rate.id)?.headline).toBe('Bank of Valdoria trims interest rate by quarter point');
    await ingestOneByOne(store, publishers, LATER);
    expect(briefWith(store, 'rate-1')?.id).toBe(own);
  });

  it('merges two stories into one and keeps them merged in later runs', async () => {
    const store = new MemoryBriefStore();
    await ingestOneByOne(store, publishers);
    const metro = briefWith(store, 'metro-1') as StoredBrief;
    const fares = briefWith(store, 'raise-1') as StoredBrief;
    const outage = briefWith(store, 'outage-1') as StoredBrief;
    expect(fares.id).not.toBe(outage.id);
    await mergeStories(store, fares.id, outage.id, LATER);
    expect(store.briefs.get(outage.id)?.retracted).toBe(true);
    expect(store.briefs.get(fares.id)?.signals.length).toBeGreaterThan(fares.signals.length);

    await ingestOneByOne(store, publishers, LATER);
    expect(briefWith(store, 'outage-2')?.id).toBe(fares.id);
    expect(briefWith(store, 'metro-1')?.id).toBe(metro.id);
  });

  it('refuses to split or merge what is not a story, naming the reason', async () => {
    const store = new MemoryBriefStore();
    await ingestOneByOne(store, publishers);
    const rate = briefWith(store, 'rate-1') as StoredBrief;
    await expect(splitStory(store, 'nope', 'x', LATER)).rejects.toThrow(/no brief with id "nope"/);
    await expect(splitStory(store, rate.id, 'x', LATER)).rejects.toThrow(/has no item "x"; its items are/);
    const single = briefWith(store, 'ceo-1') as StoredBrief;
    await expect(splitStory(store, single.id, storyOf(single).items[0]?.id ?? '', LATER)).rejects.toThrow(
      /has only the item/,
    );
    const {
      story: _story,
      contentHash: _hash,
      ingestedAt: _at,
      ...plain
    } = rate as StoredBrief & {
      story: StoryRecord;
    };
    await store.upsert({ ...plain, id: 'tidings-brief', signals: [] }, LATER);
    await expect(mergeStories(store, 'tidings-brief', rate.id, LATER)).rejects.toThrow(StoryEditError);
    await expect(mergeStories(store, rate.id, rate.id, LATER)).rejects.toThrow(/into itself/);
  });
});
