/**
 * Ingest throughput: `sources` × `items` RSS items served over loopback HTTP, through the
 * production path (fetch, parse, map, validate, guarded batch writes) into the embedded DynamoDB,
 * against raw BatchWrite of the very items ingest stored (brief item and edition item), in the
 * same run and on the same stand-in. Also: writes per item on the first run, and the throughput
 * of a second, unchanged run (which must write nothing).
 *
 *   npx tsx bench/ingest.bench.ts [--sources 50] [--items 200]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readConfigFile } from '../cli/config-file.js';
import { startLocalStack } from '../cli/local/stack.js';
import { DynamoBriefStore } from '../lambdas/adapters/dynamo-brief-store.js';
import { createFetchSource } from '../lambdas/adapters/feeds/source.js';
import type { SourceConfig } from '../lambdas/core/config.js';
import { ingestSources } from '../lambdas/core/ingest.js';
import { seedItems } from './dynamo-seed.js';
import { type Figure, numericFlags, runIfMain } from './lib.js';

const COMMAND = 'npx tsx bench/ingest.bench.ts';

function feed(source: number, items: number): string {
  const entries: string[] = [];
  for (let i = 0; i < items; i++) {
    const minute = String(i % 60).padStart(2, '0');
    const hour = String(Math.floor(i / 60) % 24).padStart(2, '0');
    entries.push(
      `<item><guid isPermaLink="false">s${source}-i${i}</guid><title>Story ${i} from desk ${source}: ports, grids and markets</title>` +
        `<link>https://desk${source}.example/stories/${i}</link><pubDate>Sun, 29 Nov 2026 ${hour}:${minute}:00 GMT</pubDate>` +
        `<description><![CDATA[<p>Officials said on Sunday that the plan would move ahead in stages, with a first review due in the spring.</p>` +
        `<p>Analysts expect the change to matter most for smaller operators, which have waited longest for a decision.</p>]]></description></item>`,
    );
  }
  return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Desk ${source}</title><link>https://desk${source}.example/</link>${entries.join('')}</channel></rss>`;
}

/** Wraps a doc client to count the write requests it sends. */
function counting(doc: DynamoDBDocumentClient): { doc: DynamoDBDocumentClient; writes: () => number } {
  let writes = 0;
  const wrapped = Object.create(doc) as DynamoDBDocumentClient;
  wrapped.send = ((command: { constructor: { name: string } }, ...rest: unknown[]) => {
    if (/^(Put|Update|Delete|BatchWrite)/.test(command.constructor.name)) writes++;
    return (doc.send as (...args: unknown[]) => unknown)(command, ...rest);
  }) as DynamoDBDocumentClient['send'];
  return { doc: wrapped, writes: () => writes };
}

async function batchWriteAll(
  doc: DynamoDBDocumentClient,
  table: string,
  items: Record<string, unknown>[],
): Promise<void> {
  // The same parallelism as the store's conditional writes.
  await seedItems(doc, table, items, 16);
}

export default async function ingestBench(argv: string[]): Promise<Figure[]> {
  const flags = numericFlags(argv, { sources: 50, items: 200 });
  const total = flags.sources * flags.items;
  const config = await readConfigFile({});
  const home = await mkdtemp(join(tmpdir(), 'tidings-bench-ingest-'));
  const stack = await startLocalStack({ home, config, ports: { dynamodb: 0, ses: 0 }, inMemory: true });
  const docs = Array.from({ length: flags.sources }, (_, s) => Buffer.from(feed(s, flags.items)));
  const server = createServer((req, res) => {
    const index = Number(/^\/feed-(\d+)\.xml$/.exec(req.url ?? '')?.[1] ?? -1);
    const body = docs[index];
    if (body) res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(body);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const sources: SourceConfig[] = docs.map((_, s) => ({
      id: `desk-${s}`,
      location: `${base}/feed-${s}.xml`,
      format: 'rss',
      editions: ['dc'],
      // Story matching has its own figure (cluster-throughput); this one is the storing path.
      cluster: false,
    }));
    const counter = counting(stack.doc);
    const deps = {
      fetchSource: createFetchSource({ root: process.cwd(), ingest: config.ingest }),
      store: new DynamoBriefStore(counter.doc, stack.tables.briefs),
      clock: { now: () => new Date('2026-11-30T06:00:00Z') },
      config,
    };

    let start = performance.now();
    const first = await ingestSources(sources, deps);
    const firstMs = performance.now() - start;
    const stored = first.reduce((n, s) => n + s.new, 0);
    if (stored !== total) throw new Error(`expected ${total} new briefs, got ${stored}`);
    const firstWrites = counter.writes();

    start = performance.now();
    const second = await ingestSources(sources, deps);
    const secondMs = performance.now() - start;
    const rerunWrites = counter.writes() - firstWrites;
    if (second.reduce((n, s) => n + s.unchanged, 0) !== total)
      throw new Error('second run was not all unchanged');

    // Baseline: the very items ingest stored, copied under other keys, written with BatchWrite.
    const raw: Record<string, unknown>[] = [];
    for await (const brief of deps.store.listAll()) {
      raw.push({ ...brief, pk: `raw#${brief.id}`, sk: 'brief' });
      for (const edition of brief.editions) {
        raw.push({
          ...brief,
          pk: `raw#${brief.id}`,
          sk: `edition#${edition}`,
          gsi1pk: `raw-${edition}`,
          gsi1sk: `${brief.updatedAt}#${brief.id}`,
        });
      }
    }
    start = performance.now();
    await batchWriteAll(stack.doc, stack.tables.briefs, raw);
    const rawFirstMs = performance.now() - start;
    // A second pass under other keys, after a rerun of ingest, so that a machine whose load
    // changes during the run weighs on the baseline as on the pipeline: the mean of the two.
    await ingestSources(sources, deps);
    start = performance.now();
    await batchWriteAll(
      stack.doc,
      stack.tables.briefs,
      raw.map((item) => ({ ...item, pk: `raw2${String(item.pk).slice(3)}` })),
    );
    const rawMs = (rawFirstMs + performance.now() - start) / 2;

    const rate = (ms: number): number => total / (ms / 1000);
    const size = `--sources ${flags.sources} --items ${flags.items}`;
    const command = `${COMMAND} ${size}`;
    const rawItemsPerBrief = raw.length / total;
    const rawRequests = Math.ceil(raw.length / 25);
    return [
      {
        name: 'ingest',
        value: rate(firstMs),
        unit: 'items/s',
        baseline: rate(rawMs),
        baselineName: 'raw BatchWrite of the same items',
        ratio: rate(firstMs) / rate(rawMs),
        higherIsBetter: true,
        command,
        notes: `${flags.sources} sources × ${flags.items} RSS items over loopback HTTP into dynalite (in memory), first run: fetch, parse, map, validate, read-before-write, batch writes under write intents (story matching off: see cluster-throughput); baseline writes the ${raw.length} resulting items in batches of 25, 16 at a time, twice (after the first run and after a rerun; the mean)`,
      },
      {
        name: 'ingest-writes-per-item',
        value: firstWrites / total,
        unit: 'write requests/item',
        baseline: rawRequests / total,
        baselineName: 'raw BatchWrite requests per item',
        ratio: firstWrites / rawRequests,
        higherIsBetter: false,
        command,
        notes: `first run: batch writes of the edition items (${rawItemsPerBrief - 1} per brief) and brief items, under one write intent per source put and deleted; a second, unchanged run sent ${rerunWrites} write requests`,
      },
      {
        name: 'ingest-unchanged',
        value: rate(secondMs),
        unit: 'items/s',
        baseline: rate(rawMs),
        baselineName: 'raw BatchWrite of the same items',
        ratio: rate(secondMs) / rate(rawMs),
        higherIsBetter: true,
        command,
        notes: `second run of the same sources with nothing changed: ${rerunWrites} writes (batch reads only)`,
      },
    ];
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await stack.close();
    await rm(home, { recursive: true, force: true });
  }
}

await runIfMain(import.meta.url, ingestBench);
