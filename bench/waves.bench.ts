/**
 * Waves: the fan-out of one edition's readers spread over 24 zones, wave by wave through the zone
 * index (the subscriber store's `listActiveInZone`, each zone's shards in parallel, as the waves
 * sweep runs it), summed over the 24 waves, against one single-wave fan-out of the same readers
 * (`listActive`, 16 shards in parallel, as compose runs it for an edition without waves), in the
 * same run, on dynalite. Both hand their readers to the same counting queue in batches of 50.
 *
 *   npx tsx bench/waves.bench.ts [--subscribers 100000] [--repeats 3]
 *
 * Readers are seeded in bulk (BatchWrite, 25 items a request) as the store's membership items
 * with both index keys, and the edition's zone registry; seeding is not measured.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { readConfigFile } from '../cli/config-file.js';
import { startLocalStack } from '../cli/local/stack.js';
import {
  DynamoSubscriberStore,
  profileKey,
  shardOf,
  zoneShardOf,
} from '../lambdas/adapters/dynamo-subscriber-store.js';
import { type SendBatch, ZONE_SHARDS } from '../lambdas/core/ports.js';
import type { Recipient } from '../lambdas/core/subscriber.js';
import { enqueueReaders, forEachActiveReader, forEachZoneReader } from '../lambdas/core/waves.js';
import { seedItems } from './dynamo-seed.js';
import { type Figure, numericFlags, runIfMain, type Stats, stats } from './lib.js';

const EDITION = 'bxl';
const HOME = 'Europe/Brussels';
/** 24 zones, :30 and :45 offsets among them; the edition's own zone first. */
const ZONES = [
  HOME,
  'Pacific/Honolulu',
  'America/Anchorage',
  'America/Los_Angeles',
  'America/Denver',
  'America/Chicago',
  'America/New_York',
  'America/Sao_Paulo',
  'America/St_Johns',
  'Atlantic/Azores',
  'Europe/London',
  'Europe/Athens',
  'Europe/Moscow',
  'Asia/Tehran',
  'Asia/Dubai',
  'Asia/Karachi',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Asia/Dhaka',
  'Asia/Bangkok',
  'Asia/Singapore',
  'Asia/Tokyo',
  'Australia/Adelaide',
  'Pacific/Auckland',
];

/** Reader `i`'s membership item as the store writes it, both index keys, zones in turn. */
function membership(i: number): Record<string, unknown> {
  const email = `reader${String(i).padStart(7, '0')}@example.com`;
  const timeZone = ZONES[i % ZONES.length] as string;
  return {
    ...profileKey(email),
    sk: `ED#${EDITION}`,
    gsi1pk: `${EDITION}#${shardOf(email)}`,
    gsi1sk: email,
    gsi2pk: `${EDITION}#${timeZone}#${zoneShardOf(email)}`,
    gsi2sk: email,
    email,
    name: `Reader ${i}`,
    timeZone,
  };
}

export default async function waves(argv: string[]): Promise<Figure[]> {
  const { subscribers, repeats: runs } = numericFlags(argv, { subscribers: 100_000, repeats: 3 });
  const [count, repeats] = [Math.floor(subscribers), Math.floor(runs)];
  const home = await mkdtemp(join(tmpdir(), 'tidings-bench-waves-'));
  const stack = await startLocalStack({
    config: await readConfigFile(),
    home,
    inMemory: true,
    ports: { ses: 0, dynamodb: 0 },
  });
  const table = stack.tables.subscribers;
  try {
    await seedItems(
      stack.doc,
      table,
      Array.from({ length: count }, (_, i) => membership(i)),
    );
    await stack.doc.send(
      new PutCommand({
        TableName: table,
        Item: { pk: `ZONES#${EDITION}`, sk: 'ZONES', zones: new Set(ZONES) },
      }),
    );
    console.error(`waves: ${count} readers seeded over ${ZONES.length} zones`);

    const store = new DynamoSubscriberStore(stack.doc, table);
    let queued = 0;
    const queue = {
      async enqueue(batches: readonly SendBatch[]): Promise<void> {
        for (const batch of batches) queued += batch.recipients.length;
      },
    };
    const hand = async (page: Recipient[]): Promise<void> => enqueueReaders(queue, 'bxl-bench', page, 50);

    /** The 24 waves one after the other, as the sweep runs them at their times; the sum of their times. */
    const perWave: number[] = [];
    const inWaves = async (): Promise<number> => {
      queued = 0;
      let total = 0;
      const zones = await store.listZones(EDITION);
      for (const zone of zones) {
        const start = performance.now();
        await forEachZoneReader(store, EDITION, zone, HOME, hand);
        const ms = performance.now() - start;
        perWave.push(ms);
        total += ms;
      }
      if (queued !== count) throw new Error(`waves queued ${queued} of ${count}`);
      return total;
    };
    const single = async (): Promise<number> => {
      queued = 0;
      const start = performance.now();
      await forEachActiveReader(store, EDITION, hand);
      const ms = performance.now() - start;
      if (queued !== count) throw new Error(`single wave queued ${queued} of ${count}`);
      return ms;
    };
    // Warm-up, then alternated so neither side always runs on a warmer process.
    await inWaves();
    await single();
    perWave.length = 0;
    const wavesSamples: number[] = [];
    const singleSamples: number[] = [];
    for (let r = 0; r < repeats; r++) {
      wavesSamples.push(await inWaves());
      singleSamples.push(await single());
    }
    const production = stats(wavesSamples);
    const baseline = stats(singleSamples);
    const wave = stats(perWave);
    /** Readers a second at a median, and its spread (interquartile range) in the same unit. */
    const rate = (ms: Stats): { value: number; spread: number } => {
      const value = (count * 1000) / ms.median;
      return { value, spread: (value * ms.iqr) / ms.median };
    };
    const [waved, single1] = [rate(production), rate(baseline)];
    return [
      {
        name: 'waves',
        value: waved.value,
        unit: 'readers/s',
        baseline: single1.value,
        baselineName: 'one single-wave fan-out of the same readers',
        ratio: baseline.median / production.median,
        higherIsBetter: true,
        spread: waved.spread,
        baselineSpread: single1.spread,
        command: `npx tsx bench/waves.bench.ts --subscribers ${count} --repeats ${repeats}`,
        notes:
          `${count} active readers of one edition over ${ZONES.length} zones on dynalite: the ${ZONES.length} waves ` +
          `(zone index, ${ZONE_SHARDS} shards a zone in parallel) take ${production.median.toFixed(0)} ms summed ` +
          `(one wave: median ${wave.median.toFixed(0)} ms, ${wave.min.toFixed(0)}–${wave.max.toFixed(0)} ms), ` +
          `one single-wave fan-out ${baseline.median.toFixed(0)} ms (medians of ${repeats}); target: the sum ` +
          `within 1.2× of the single wave (ratio ≥ 0.83). The index entries read are the same in both, so ` +
          `DynamoDB read units are the same; the waves add ${ZONES.length} small conditional issue updates.`,
      },
    ];
  } finally {
    await stack.close();
    await rm(home, { recursive: true, force: true });
  }
}

await runIfMain(import.meta.url, waves);
