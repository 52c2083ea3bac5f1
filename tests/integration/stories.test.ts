import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import briefs from '../../cli/commands/briefs.js';
import type { CliContext } from '../../cli/context.js';
import { exitCode } from '../../cli/exit-code.js';
import { DynamoBriefStore } from '../../lambdas/adapters/dynamo-brief-store.js';
import { createFetchSource } from '../../lambdas/adapters/feeds/source.js';
import { deriveDeck } from '../../lambdas/core/brief.js';
import type { SourceConfig } from '../../lambdas/core/config.js';
import { buildDigestView, digestText } from '../../lambdas/core/digest.js';
import { type IngestSummary, ingestSources } from '../../lambdas/core/ingest.js';
import {
  recentPublishers as publishers,
  recentLabelled as recent,
  labelledSet as set,
} from '../support/labelled-stories.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/**
 * Several RSS feeds that cover the same events, served over HTTP and ingested one after another
 * into the local stack's DynamoDB, then corrected through the CLI.
 */

const NOW = new Date('2026-11-30T18:00:00Z');
const LATER = new Date('2026-12-01T08:00:00Z');

const xmlText = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

function rss(publisher: string): string {
  const items = recent
    .filter((i) => i.publisher === publisher)
    .map(
      (i) =>
        `<item><guid isPermaLink="false">${i.id}</guid><title>${xmlText(i.title)}</title>` +
        `<link>https://${publisher}.example/${i.id}</link><pubDate>${new Date(i.publishedAt).toUTCString()}</pubDate>` +
        `<description>${xmlText(i.summary)}</description></item>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>${xmlText(set.publishers[publisher] as string)}</title><link>https://${publisher}.example/</link>${items}</channel></rss>`;
}

interface ListedBrief {
  id: string;
  headline: string;
  signals: { headline: string; body: string; sources: { name: string; url?: string }[] }[];
  items?: { id: string; role: string; source: { id: string; name: string }; url?: string }[];
  retracted?: true;
  url?: string;
  source?: { id: string; name: string };
}

describe('stories built from several feeds on the local stack', () => {
  let stack: TestStack;
  let server: Server;
  let base: string;
  let store: DynamoBriefStore;

  const sources = (): SourceConfig[] =>
    publishers.map((p) => ({ id: p, location: `${base}/${p}.xml`, format: 'rss', editions: ['dc'] }));

  /** Each feed in its own ingest run, one after another. */
  const ingestEach = async (now: Date): Promise<IngestSummary[]> => {
    const summaries: IngestSummary[] = [];
    for (const source of sources()) {
      summaries.push(
        ...(await ingestSources([source], {
          fetchSource: createFetchSource({
            root: process.cwd(),
            ingest: { timeoutMs: 5000, maxBytes: 1024 * 1024, maxRedirects: 0 },
          }),
          store,
          clock: { now: () => now },
          config: stack.config,
        })),
      );
    }
    return summaries;
  };

  const cli = async (args: string[]): Promise<{ code: number; out: string[] }> => {
    const out: string[] = [];
    const ctx: CliContext = {
      config: stack.config,
      home: stack.home,
      out: (line) => out.push(line),
      err: (line) => out.push(line),
      stack: async () => stack,
    };
    try {
      return { code: await briefs(args, ctx), out };
    } catch (error) {
      return { code: exitCode(error), out: [...out, (error as Error).message] };
    }
  };

  const listed = async (): Promise<ListedBrief[]> => {
    const { code, out } = await cli(['list', '--edition', 'dc', '--json']);
    expect(code).toBe(0);
    return JSON.parse(out.join('\n')) as ListedBrief[];
  };

  /** The live story that holds the publisher's item with this headline, as lead or signal. */
  const holding = (all: ListedBrief[], publisher: string, headline: string): ListedBrief | undefined =>
    all.find(
      (b) =>
        !b.retracted &&
        b.items?.some((i) => i.source.id === publisher) &&
        (b.headline === headline || b.signals.some((s) => s.headline === headline)),
    );

  beforeAll(async () => {
    stack = await startTestStack();
    store = new DynamoBriefStore(stack.doc, stack.tables.briefs);
    server = createServer((req, res) => {
      const publisher = /^\/([a-z-]+)\.xml$/.exec(req.url ?? '')?.[1];
      if (publisher && publishers.includes(publisher)) {
        res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss(publisher));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await ingestEach(NOW);
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await stack.close();
  });

  it('stores one brief per event with a signal per other source, each naming its source and link', async () => {
    const all = await listed();
    const rate = holding(
      all,
      'capital-ledger',
      "Valdoria's central bank cuts its main rate to 3.5%",
    ) as ListedBrief;
    expect(rate.source).toEqual({ id: 'capital-ledger', name: 'Capital Ledger' });
    expect(rate.url).toBe('https://capital-ledger.example/rate-1');
    expect(rate.signals.map((s) => s.sources)).toEqual([
      [{ name: 'Meridian Wire', url: 'https://meridian-wire.example/rate-2' }],
      [{ name: 'The Northern Post', url: 'https://northern-post.example/rate-3' }],
      [{ name: 'Policy Weekly', url: 'https://policy-weekly.example/rate-4' }],
      [{ name: 'Coastline Daily', url: 'https://coastline-daily.example/rate-5' }],
    ]);
    expect(deriveDeck(rate)).toBe(
      'Insights from Meridian Wire, The Northern Post, Policy Weekly, and Coastline Daily',
    );
    expect(rate.items?.map((i) => i.role)).toEqual(['lead', 'signal', 'signal', 'signal', 'signal']);

    const flood = holding(all, 'harbour-desk', 'Storm surge floods Kessling port district') as ListedBrief;
    expect(flood.signals).toHaveLength(4);
    const budget = holding(
      all,
      'capital-ledger',
      "Valdoria's finance ministry unveils 2027 budget with 4.1% deficit",
    );
    expect(budget?.id).not.toBe(rate.id);
    const jets = holding(all, 'meridian-wire', 'Skyline Air orders 40 Aerion A9 jets') as ListedBrief;
    const profit = holding(
      all,
      'capital-ledger',
      'Skyline Air quarterly profit rises 12% on strong summer travel',
    );
    expect(jets.signals).toHaveLength(2);
    expect(profit?.id).not.toBe(jets.id);
    // Fewer briefs than items: 42 recent items, 18 events.
    expect(all.filter((b) => !b.retracted).length).toBeLessThanOrEqual(20);
  });

  it('gives the digest the deck and a signal per other source, in the text part too', async () => {
    const rate = holding(
      await listed(),
      'capital-ledger',
      "Valdoria's central bank cuts its main rate to 3.5%",
    );
    const stored = await store.get(rate?.id as string);
    const edition = stack.config.editions.find((e) => e.id === 'dc');
    if (!stored || !edition) throw new Error('no story or no dc edition');
    const view = buildDigestView({
      config: stack.config,
      edition,
      issueId: 'dc-2026-11-30',
      localDate: '2026-11-30',
      briefs: [{ ...stored, updated: false }],
    });
    expect(view.briefs[0]?.deck).toBe(
      'Insights from Meridian Wire, The Northern Post, Policy Weekly, and Coastline Daily',
    );
    expect(view.briefs[0]?.signals).toHaveLength(4);
    const text = digestText(view).replace(/\s+/g, ' ');
    expect(text).toContain(
      'Insights from Meridian Wire, The Northern Post, Policy Weekly, and Coastline Daily',
    );
    expect(text).toContain('Bank of Valdoria trims interest rate by quarter point');
  });

  it('writes nothing new when the same feeds are ingested again', async () => {
    const summaries = await ingestEach(LATER);
    expect(summaries.map((s) => s.error)).toEqual(summaries.map(() => undefined));
    expect(summaries.reduce((n, s) => n + s.new + s.merged + s.updated, 0)).toBe(0);
  });

  it('splits an item out through the CLI, and a later run keeps it apart', async () => {
    const rate = holding(
      await listed(),
      'capital-ledger',
      "Valdoria's central bank cuts its main rate to 3.5%",
    ) as ListedBrief;
    const item = rate.items?.find((i) => i.source.id === 'coastline-daily')?.id as string;
    const split = await cli(['split', rate.id, item]);
    expect(split).toEqual({
      code: 0,
      out: [`split ${item} out of ${rate.id} into brief ${item}; later runs keep it apart`],
    });

    await ingestEach(LATER);
    const all = await listed();
    expect(all.find((b) => b.id === rate.id)?.signals.map((s) => s.sources[0]?.name)).toEqual([
      'Meridian Wire',
      'The Northern Post',
      'Policy Weekly',
    ]);
    expect(all.find((b) => b.id === item)?.headline).toBe(
      'Valdorian lenders follow central bank with lower mortgage rates',
    );
  });

  it('merges two stories through the CLI, and a later run keeps them merged', async () => {
    let all = await listed();
    const raise = holding(all, 'capital-ledger', 'Lagos fintech Paylink raises $45m') as ListedBrief;
    const outage = holding(
      all,
      'coastline-daily',
      'Paylink outage leaves Lagos shoppers unable to pay',
    ) as ListedBrief;
    expect(raise.id).not.toBe(outage.id);
    const merged = await cli(['merge', raise.id, outage.id]);
    expect(merged.code).toBe(0);

    await ingestEach(LATER);
    all = await listed();
    expect(all.find((b) => b.id === outage.id)?.retracted).toBe(true);
    const story = all.find((b) => b.id === raise.id) as ListedBrief;
    expect(story.signals.map((s) => s.headline)).toEqual(
      expect.arrayContaining([
        'Paylink outage leaves Lagos shoppers unable to pay',
        'Paylink restores service after five-hour failure',
      ]),
    );
    expect(all.filter((b) => !b.retracted && b.items?.some((i) => i.id.includes('outage')))).toHaveLength(0);
  });

  it('keeps a retracted story and its signals out: a later run does not make a new story of them', async () => {
    const flood = holding(
      await listed(),
      'harbour-desk',
      'Storm surge floods Kessling port district',
    ) as ListedBrief;
    expect((await cli(['retract', flood.id])).code).toBe(0);
    await ingestEach(LATER);
    const all = await listed();
    const floodItems = new Set(flood.items?.map((i) => i.id));
    expect(all.filter((b) => !b.retracted && b.items?.some((i) => floodItems.has(i.id)))).toEqual([]);
    expect(
      all.filter((b) => !b.retracted && b.headline.includes('Kessling') && b.headline.includes('flood')),
    ).toEqual([]);
  });

  it('refuses a split or merge it cannot do, with the reason and exit code', async () => {
    expect(await cli(['split', 'no-such-brief', 'x'])).toEqual({
      code: 1,
      out: ['no brief with id "no-such-brief"'],
    });
    const sample = (await listed()).find((b) => !b.items) as ListedBrief | undefined;
    const story = (await listed()).find((b) => b.items && !b.retracted) as ListedBrief;
    if (sample) {
      const refused = await cli(['merge', sample.id, story.id]);
      expect(refused.code).toBe(1);
      expect(refused.out.at(-1)).toMatch(/was not built from feed items/);
    }
    expect((await cli(['merge', story.id])).code).toBe(2);
  });
});
