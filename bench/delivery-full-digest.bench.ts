/**
 * The delivery benchmark with a full digest (the twelve-brief fixture, about 120 KB per message)
 * for 2,000 readers: the SES stand-in's work per message is then several times that of the
 * one-brief issue of `delivery`, as it would be for a real issue. Fewer readers, because the
 * stand-in takes about 20 ms per full digest.
 *
 *   npx tsx bench/delivery.bench.ts --briefs 12 --subscribers 2000 [--workers 8]
 */
import delivery from './delivery.bench.js';
import { type Figure, runIfMain } from './lib.js';

export default function deliveryFullDigest(argv: string[]): Promise<Figure[]> {
  return delivery(['--briefs', '12', '--subscribers', '2000', ...argv]);
}

await runIfMain(import.meta.url, deliveryFullDigest);
