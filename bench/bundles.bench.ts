/**
 * `bundle:<function>`: each Lambda bundle's size in KiB (built by esbuild with the settings of
 * `infra/constructs/function-bundling.ts`), against the same function's own code alone (every
 * package left out) built in the same run, with the bundle's top contributors by package, read
 * from esbuild's metafile, in the figure's notes.
 *
 *   npx tsx bench/bundles.bench.ts [--top 5]
 */
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { bundleOptions, FUNCTIONS } from './cold-start.bench.js';
import { type Figure, numericFlags, runIfMain } from './lib.js';

const KIB = 1024;

async function metafileOf(options: BuildOptions): Promise<{ bytes: number; metafile: Metafile }> {
  const result = await build({ ...options, outfile: 'index.mjs', write: false, metafile: true });
  const bytes = result.outputFiles.reduce((sum, file) => sum + file.contents.byteLength, 0);
  return { bytes, metafile: result.metafile };
}

/** The package an input belongs to (`@aws-sdk/client-ses`, `liquidjs`), or `(project)` for ours. */
export function packageOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at === -1) return '(project)';
  const [scope = '', name = ''] = input.slice(at + 'node_modules/'.length).split('/');
  return scope.startsWith('@') ? `${scope}/${name}` : scope;
}

/** Bytes each package contributes to the output, largest first. */
export function contributors(metafile: Metafile): [string, number][] {
  const sums = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      sums.set(name, (sums.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...sums].sort((a, b) => b[1] - a[1]);
}

export default async function bundles(argv: string[]): Promise<Figure[]> {
  const { top } = numericFlags(argv, { top: 5 });
  const figures: Figure[] = [];
  for (const name of FUNCTIONS) {
    const options = bundleOptions(name);
    const full = await metafileOf(options);
    const own = await metafileOf({ ...options, packages: 'external' });
    const largest = contributors(full.metafile)
      .slice(0, top)
      .map(([pkg, bytes]) => `${pkg} ${(bytes / KIB).toFixed(0)}`)
      .join(', ');
    figures.push({
      name: `bundle:${name}`,
      value: full.bytes / KIB,
      unit: 'KiB',
      baseline: own.bytes / KIB,
      baselineName: "the function's own code alone (packages left out)",
      ratio: full.bytes / own.bytes,
      higherIsBetter: false,
      command: 'npx tsx bench/bundles.bench.ts',
      notes: `minified ESM as deployed (AWS called through lambdas/adapters/aws/, no SDK client); top contributors in KiB: ${largest}`,
    });
  }
  return figures;
}

await runIfMain(import.meta.url, bundles);
