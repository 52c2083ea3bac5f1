/**
 * `npm run bench`: runs every `bench/*.bench.ts` in turn, each in a fresh process exactly as its
 * printed command runs it alone, prints a table,
 * and writes `bench/results.json` and `bench/RESULTS.md`.
 *
 * `npm run bench -- render delivery` runs only the named benchmarks and merges their figures into
 * the recorded results.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Figure, machine } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));

interface Results {
  machine: ReturnType<typeof machine> & { date: string };
  figures: Figure[];
}

/** Order matters only for reading: cost-per-1000 goes last, as it sums the others' parts. */
const ORDER = [
  'render',
  'email-size',
  'ingest',
  'cluster',
  'fanout',
  'delivery',
  'delivery-one-thread',
  'delivery-full-digest',
  'api',
  'bundles',
  'cold-start',
  'cost-per-1000',
];

async function benchmarks(only: string[]): Promise<string[]> {
  const names = (await readdir(here))
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => f.replace(/\.bench\.ts$/, ''));
  names.sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99));
  for (const name of only) {
    if (!names.includes(name)) throw new Error(`no benchmark named "${name}"; have ${names.join(', ')}`);
  }
  return only.length > 0 ? names.filter((n) => only.includes(n)) : names;
}

/**
 * Runs one benchmark in a fresh Node process, as its printed command does, so that one
 * benchmark's heap, stand-ins and timers never weigh on the next one's figures.
 */
async function runAlone(name: string): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'tidings-bench-'));
  const out = join(dir, 'figures.json');
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(here, `${name}.bench.ts`)], {
        stdio: 'inherit',
        env: { ...process.env, TIDINGS_BENCH_OUT: out },
      });
      child.once('error', reject);
      child.once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`benchmark ${name} exited with ${code}`)),
      );
    });
    return JSON.parse(await readFile(out, 'utf8')) as Figure[];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3);
}

function markdown(results: Results): string {
  const m = results.machine;
  const lines = [
    '# Benchmark results',
    '',
    `Recorded ${m.date} on ${m.cpu} (${m.cores} cores, ${m.memoryGiB} GiB), Node ${m.node}, ${m.platform}.`,
    'Every figure stands beside a baseline measured in the same run; medians over repeats, spread as the',
    'interquartile range where a figure is repeated. Reproduce one figure with the command beside it, or all',
    'with `npm run bench`.',
    '',
    '| figure | value | baseline | ratio | better | command |',
    '|---|---|---|---|---|---|',
  ];
  for (const f of results.figures) {
    const spread = f.spread !== undefined ? ` ± ${fmt(f.spread)}` : '';
    const baseSpread = f.baselineSpread !== undefined ? ` ± ${fmt(f.baselineSpread)}` : '';
    lines.push(
      `| \`${f.name}\` | ${fmt(f.value)}${spread} ${f.unit} | ${f.baselineName}: ${fmt(f.baseline)}${baseSpread} ${f.unit} | ${fmt(f.ratio)} | ${f.higherIsBetter ? 'higher' : 'lower'} | \`${f.command}\` |`,
    );
  }
  const notes = results.figures.filter((f) => f.notes);
  if (notes.length > 0) {
    lines.push('', '## Notes', '');
    for (const f of notes) lines.push(`- **${f.name}**: ${f.notes}`);
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const names = await benchmarks(only);
  const figures: Figure[] = [];
  for (const name of names) {
    process.stdout.write(`\n== ${name}\n`);
    const started = performance.now();
    const produced = await runAlone(name);
    figures.push(...produced);
    process.stdout.write(`(${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
  }
  let previous: Figure[] = [];
  if (only.length > 0) {
    try {
      previous = (JSON.parse(await readFile(join(here, 'results.json'), 'utf8')) as Results).figures;
    } catch {
      previous = [];
    }
  }
  const fresh = new Set(figures.map((f) => f.name));
  const merged = [...previous.filter((f) => !fresh.has(f.name)), ...figures];
  const results: Results = { machine: { ...machine(), date: new Date().toISOString() }, figures: merged };
  await writeFile(join(here, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(here, 'RESULTS.md'), markdown(results));
  process.stdout.write(`\nwrote bench/results.json and bench/RESULTS.md (${merged.length} figures)\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
