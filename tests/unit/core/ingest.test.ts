import { describe, expect, it } from 'vitest';
import type { BriefInput } from '../../../lambdas/core/brief.js';
import type { SourceConfig } from '../../../lambdas/core/config.js';
import {
  type BriefCandidate,
  contentHash,
  type FetchSource,
  type IngestDeps,
  ingestConfiguredSources,
  ingestSources,
  type SourceFetch,
} from '../../../lambdas/core/ingest.js';
import { MemoryBriefStore } from '../../support/fakes/brief-store.js';

const NOW = new Date('2026-11-30T06:00:00Z');
const config = { editions: [{ id: 'dc' }, { id: 'sg' }] } as IngestDeps['config'];

function source(id: string, extra: Partial<SourceConfig> = {}): SourceConfig {
  return { id, location: `${id}.json`, format: 'auto', editions: [], ...extra };
}

function brief(id: string, extra: Partial<BriefInput> = {}): Record<string, unknown> {
  return {
    id,
    headline: `Headline of ${id}`,
    topic: 'energy',
    editions: ['dc'],
    publishedAt: '2026-11-29T08:00:00Z',
    updatedAt: '2026-11-29T08:00:00Z',
    news: [`What happened in ${id}.`],
    ...extra,
  };
}

function candidates(...inputs: Record<string, unknown>[]): BriefCandidate[] {
  return inputs.map((input, i) => ({ position: i + 1, input }));
}

/** A fetcher serving fixed documents per source id; a string throws as an unreadable source. */
function fetcher(docs: Record<string, SourceFetch | string>): FetchSource & { calls: string[] } {
  const calls: string[] = [];
  const fn = async (s: SourceConfig): Promise<SourceFetch> => {
    calls.push(s.id);
    const doc = docs[s.id];
    if (doc === undefined || typeof doc === 'string') throw new Error(doc ?? 'no such source');
    return structuredClone(doc);
  };
  return Object.assign(fn, { calls });
}

function fetched(
  items: BriefCandidate[],
  extra: Partial<Extract<SourceFetch, { status: 'fetched' }>> = {},
): SourceFetch {
  return { status: 'fetched', candidates: items, rejected: [], ...extra };
}

function deps(store: MemoryBriefStore, fetchSource: FetchSource, now = NOW): IngestDeps {
  return { store, fetchSource, clock: { now: () => now }, config };
}

describe('ingestSources', () => {
  it('stores new briefs and reports them per source', async () => {
    const store = new MemoryBriefStore();
    const [summary] = await ingestSources(
      [source('desk')],
      deps(store, fetcher({ desk: fetched(candidates(brief('a'), brief('b'))) })),
    );
    expect(summary).toEqual({
      source: 'desk',
      fetched: 2,
      new: 2,
      updated: 0,
      unchanged: 0,
      merged: 0,
      duplicates: 0,
      rejected: [],
    });
    expect((await store.get('a'))?.headline).toBe('Headline of a');
    expect((await store.get('a'))?.source).toEqual({ id: 'desk', name: 'desk' });
  });

  it('writes nothing when the same content is ingested again', async () => {
    const store = new MemoryBriefStore();
    const d = deps(store, fetcher({ desk: fetched(candidates(brief('a'), brief('b'))) }));
    await ingestSources([source('desk')], d);
    const writes = store.writes;
    const [summary] = await ingestSources([source('desk')], d);
    expect(summary).toMatchObject({ new: 0, updated: 0, unchanged: 2 });
    expect(store.writes).toBe(writes);
  });

  it('replaces a brief whose updatedAt is newer or whose content changed, never with an older copy', async () => {
    const store = new MemoryBriefStore();
    await ingestSources(
      [source('desk')],
      deps(store, fetcher({ desk: fetched(candidates(brief('a'), brief('b'))) })),
    );
    const next = fetched(
      candidates(
        brief('a', { updatedAt: '2026-11-29T12:00:00Z', headline: 'A newer headline' }),
        brief('b', { news: ['Corrected text, same date.'] }),
      ),
    );
    const [summary] = await ingestSources([source('desk')], deps(store, fetcher({ desk: next })));
    expect(summary).toMatchObject({ new: 0, updated: 2, unchanged: 0 });
    expect((await store.get('a'))?.headline).toBe('A newer headline');
    expect((await store.get('b'))?.news).toEqual(['Corrected text, same date.']);

    const older = fetched(
      candidates(brief('a', { updatedAt: '2026-11-29T09:00:00Z', headline: 'Stale copy' })),
    );
    const [again] = await ingestSources([source('desk')], deps(store, fetcher({ desk: older })));
    expect(again).toMatchObject({ updated: 0, unchanged: 1 });
    expect((await store.get('a'))?.headline).toBe('A newer headline');
  });

  it('stores the same story once per run: the newest copy within a source, the first source across sources', async () => {
    const store = new MemoryBriefStore();
    const docs = {
      one: fetched(
        candidates(
          brief('a', { headline: 'First copy' }),
          brief('a', { headline: 'Second, newer copy', updatedAt: '2026-11-29T09:00:00Z' }),
        ),
      ),
      two: fetched(
        candidates(brief('a', { headline: 'From another source', updatedAt: '2026-11-29T10:00:00Z' })),
      ),
    };
    const summaries = await ingestSources([source('one'), source('two')], deps(store, fetcher(docs)));
    expect(summaries.map((s) => [s.new, s.duplicates])).toEqual([
      [1, 1],
      [0, 1],
    ]);
    expect((await store.get('a'))?.headline).toBe('Second, newer copy');
  });

  describe('storing sources while the next is stored', () => {
    /** A store whose writes take turns of the event loop, noting how many sources write at once. */
    function slowStore(): MemoryBriefStore & { most: number; order: string[] } {
      const store = Object.assign(new MemoryBriefStore(), { most: 0, order: [] as string[] });
      const upsertMany = store.upsertMany.bind(store);
      let writing = 0;
      store.upsertMany = async (briefs, now) => {
        writing++;
        store.most = Math.max(store.most, writing);
        store.order.push(`start ${briefs[0]?.source?.id}`);
        for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
        const outcomes = await upsertMany(briefs, now);
        store.order.push(`end ${briefs[0]?.source?.id}`);
        writing--;
        return outcomes;
      };
      return store;
    }
    const docs = {
      one: fetched(candidates(brief('a', { headline: 'From one' }), brief('b'))),
      two: fetched(candidates(brief('a', { headline: 'From two' }), brief('c'))),
      three: fetched(candidates(brief('d'))),
      four: fetched(candidates(brief('e'))),
      five: fetched(candidates(brief('f'))),
      six: fetched(candidates(brief('g'))),
    };

    it('overlaps at most four sources that do not cluster, and the first source still wins', async () => {
      const store = slowStore();
      const plain = { cluster: false };
      const summaries = await ingestSources(
        ['one', 'two', 'three', 'four', 'five', 'six'].map((id) => source(id, plain)),
        deps(store, fetcher(docs)),
      );
      expect(store.most).toBe(4);
      expect(store.order.slice(0, 4)).toEqual(['start one', 'start two', 'start three', 'start four']);
      // The fifth source starts only once the first has ended.
      expect(store.order.indexOf('end one')).toBeLessThan(store.order.indexOf('start five'));
      expect((await store.get('a'))?.headline).toBe('From one');
      expect(summaries.map((s) => [s.source, s.new, s.duplicates])).toEqual([
        ['one', 2, 0],
        ['two', 1, 1],
        ['three', 1, 0],
        ['four', 1, 0],
        ['five', 1, 0],
        ['six', 1, 0],
      ]);
    });

    it('lets a source that clusters wait for the writes of the sources before it', async () => {
      const store = slowStore();
      await ingestSources(
        [source('one', { cluster: false }), source('two'), source('three', { cluster: false })],
        deps(store, fetcher(docs)),
      );
      expect(store.order.indexOf('end one')).toBeLessThan(store.order.indexOf('start two'));
      expect(store.order.indexOf('end two')).toBeLessThan(store.order.indexOf('start three'));
    });
  });

  it('rejects each bad item with its position, field and reason, and stores the good ones', async () => {
    const store = new MemoryBriefStore();
    const items = candidates(
      brief('good'),
      brief('no-headline', { headline: '' }),
      brief('bad edition', {}),
      brief('unknown-edition', { editions: ['paris'] }),
      brief('ancient', { publishedAt: '1970-01-01T00:00:00Z', updatedAt: '1970-01-01T00:00:00Z' }),
      brief('future', { publishedAt: '2027-06-01T00:00:00Z', updatedAt: '2027-06-01T00:00:00Z' }),
      brief('backwards', { updatedAt: '2026-11-28T00:00:00Z' }),
      brief('link', { url: 'javascript:alert(1)' }),
      brief('no-editions', { editions: [] }),
    );
    const [summary] = await ingestSources(
      [source('desk')],
      deps(
        store,
        fetcher({
          desk: fetched(items, { rejected: [{ position: 10, field: 'publishedAt', reason: 'unreadable' }] }),
        }),
      ),
    );
    expect(summary?.new).toBe(1);
    expect(summary?.fetched).toBe(10);
    expect(summary?.rejected.map((r) => [r.position, r.field])).toEqual([
      [2, 'headline'],
      [3, 'id'],
      [4, 'editions'],
      [5, 'publishedAt'],
      [6, 'publishedAt'],
      [7, 'updatedAt'],
      [8, 'url'],
      [9, 'editions'],
      [10, 'publishedAt'],
    ]);
    expect(summary?.rejected[2]?.reason).toBe('unknown edition "paris"');
    expect(summary?.rejected[3]?.reason).toMatch(/not a plausible date/);
    expect(summary?.rejected[6]?.reason).toMatch(/http/);
    expect(summary?.rejected[7]?.reason).toMatch(/names no edition/);
    expect([...store.briefs.keys()]).toEqual(['good']);
  });

  it("gives items without editions the source's default editions, topic and name", async () => {
    const store = new MemoryBriefStore();
    const input = brief('a');
    delete input.editions;
    delete input.topic;
    await ingestSources(
      [source('desk', { editions: ['sg'], topic: 'trade', name: 'The Desk' })],
      deps(store, fetcher({ desk: fetched(candidates(input)) })),
    );
    expect(await store.get('a')).toMatchObject({
      editions: ['sg'],
      topic: 'trade',
      source: { id: 'desk', name: 'The Desk' },
    });
  });

  it("names a feed item's source by the configured name, else the feed's title, else the source id", async () => {
    const store = new MemoryBriefStore();
    // Three different events, so that none joins another's story.
    const words = { a: 'Harbour cranes arrive', b: 'Bank lowers its rate', c: 'Metro line opens' };
    const item = (id: keyof typeof words): BriefCandidate[] =>
      candidates(brief(id, { news: [`${words[id]}.`], headline: words[id] })).map((c) => ({
        ...c,
        feedItem: true,
      }));
    await ingestSources(
      [source('named', { name: 'The Desk' }), source('titled'), source('bare')],
      deps(
        store,
        fetcher({
          named: fetched(item('a'), { title: 'Feed Title A' }),
          titled: fetched(item('b'), { title: 'Harbour Wire' }),
          bare: fetched(item('c')),
        }),
      ),
    );
    expect((await store.get('a'))?.source).toEqual({ id: 'named', name: 'The Desk' });
    expect((await store.get('b'))?.source).toEqual({ id: 'titled', name: 'Harbour Wire' });
    expect((await store.get('c'))?.source).toEqual({ id: 'bare', name: 'bare' });
  });

  it('reports a source that cannot be read and carries on with the others, touching nothing stored', async () => {
    const store = new MemoryBriefStore();
    await ingestSources([source('one')], deps(store, fetcher({ one: fetched(candidates(brief('a'))) })));
    const before = await store.get('a');
    const summaries = await ingestSources(
      [source('one'), source('two')],
      deps(store, fetcher({ one: 'not well-formed XML at line 1', two: fetched(candidates(brief('b'))) })),
    );
    expect(summaries[0]).toMatchObject({ source: 'one', error: 'not well-formed XML at line 1', new: 0 });
    expect(summaries[1]).toMatchObject({ source: 'two', new: 1 });
    expect(await store.get('a')).toEqual(before);
  });

  it('keeps the validators of a fetch only once its items are stored', async () => {
    const store = new MemoryBriefStore();
    const doc = fetched(candidates(brief('a')), { state: { etag: '"v1"' } });
    store.upsertMany = async () => {
      throw new Error('throttled');
    };
    const [failed] = await ingestSources([source('desk')], deps(store, fetcher({ desk: doc })));
    expect(failed?.error).toBe('storing failed: throttled');
    expect(await store.getSourceState('desk')).toBeUndefined();

    const healthy = new MemoryBriefStore();
    await ingestSources([source('desk')], deps(healthy, fetcher({ desk: doc })));
    expect(await healthy.getSourceState('desk')).toEqual({ etag: '"v1"' });
  });

  it('passes the saved state to the fetcher and reports "not modified"', async () => {
    const store = new MemoryBriefStore();
    await store.putSourceState('desk', { etag: '"v1"' });
    let seen: unknown;
    const fetchSource: FetchSource = async (_s, previous) => {
      seen = previous;
      return { status: 'not-modified' };
    };
    const [summary] = await ingestSources([source('desk')], deps(store, fetchSource));
    expect(seen).toEqual({ etag: '"v1"' });
    expect(summary).toMatchObject({ notModified: true, fetched: 0, new: 0 });
  });

  it('dates an undated item when first seen and keeps that date until its text changes', async () => {
    const store = new MemoryBriefStore();
    const undated = (text: string): SourceFetch => {
      const input = brief('u', { news: [text] });
      delete input.publishedAt;
      delete input.updatedAt;
      return fetched([{ position: 1, input, undated: true }]);
    };
    await ingestSources([source('desk')], deps(store, fetcher({ desk: undated('First text.') })));
    expect(await store.get('u')).toMatchObject({
      publishedAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    });

    const later = new Date('2026-11-30T07:00:00Z');
    const [same] = await ingestSources(
      [source('desk')],
      deps(store, fetcher({ desk: undated('First text.') }), later),
    );
    expect(same).toMatchObject({ unchanged: 1, updated: 0 });

    const [changed] = await ingestSources(
      [source('desk')],
      deps(store, fetcher({ desk: undated('Second text.') }), later),
    );
    expect(changed).toMatchObject({ updated: 1 });
    expect(await store.get('u')).toMatchObject({
      publishedAt: NOW.toISOString(),
      updatedAt: later.toISOString(),
    });
  });

  it('keeps a retracted brief retracted and out of edition listings when it is ingested again', async () => {
    const store = new MemoryBriefStore();
    const d = deps(store, fetcher({ desk: fetched(candidates(brief('a'))) }));
    await ingestSources([source('desk')], d);
    expect(await store.retract('a', NOW)).toBe(true);
    await ingestSources(
      [source('desk')],
      deps(store, fetcher({ desk: fetched(candidates(brief('a', { updatedAt: '2026-11-29T10:00:00Z' }))) })),
    );
    expect((await store.get('a'))?.retracted).toBe(true);
    expect((await store.listByEdition('dc')).items).toEqual([]);
  });

  it('ingests the configured sources of a configuration', async () => {
    const store = new MemoryBriefStore();
    const fetchSource = fetcher({ desk: fetched(candidates(brief('a'))) });
    const summaries = await ingestConfiguredSources(
      { ...config, sources: [source('desk')] },
      { store, fetchSource, clock: { now: () => NOW } },
    );
    expect(summaries.map((s) => s.source)).toEqual(['desk']);
    expect(fetchSource.calls).toEqual(['desk']);
  });
});

describe('contentHash', () => {
  it('ignores key order and changes with any field', () => {
    const a = {
      id: 'a',
      headline: 'H',
      topic: 't',
      editions: ['dc'],
      publishedAt: 'x',
      updatedAt: 'x',
      news: ['n'],
      signals: [],
    };
    const reordered = {
      news: ['n'],
      signals: [],
      id: 'a',
      editions: ['dc'],
      headline: 'H',
      topic: 't',
      updatedAt: 'x',
      publishedAt: 'x',
    };
    expect(contentHash(a)).toBe(contentHash(reordered));
    expect(contentHash({ ...a, news: ['m'] })).not.toBe(contentHash(a));
    expect(contentHash({ ...a, updatedAt: 'y' })).not.toBe(contentHash(a));
  });
});
