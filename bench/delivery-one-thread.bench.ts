/**
 * The delivery benchmark with dynalite on the sender's thread, as the local stack ran it before
 * the stand-in got a thread of its own: the DynamoDB emulation's work then takes turns with the
 * sender's, which production never asks of it. Kept beside `delivery` for comparison.
 *
 *   npx tsx bench/delivery.bench.ts --one-thread 1 [--subscribers 10000] [--workers 8]
 */
import delivery from './delivery.bench.js';
import { type Figure, runIfMain } from './lib.js';

export default function deliveryOneThread(argv: string[]): Promise<Figure[]> {
  return delivery(['--one-thread', '1', ...argv]);
}

await runIfMain(import.meta.url, deliveryOneThread);
