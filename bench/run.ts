/**
 * `npm run bench`: runs every `bench/*.bench.ts` in turn, each in a fresh process exactly as its
 * printed command runs it alone, prints a table,
 * and writes `bench/results.json` and `bench/RESULTS.md`.
 *
 * `npm run bench -- render delivery` runs only the named benchmarks and merges their figures into
 * the recorded results. `npm run bench -- --runs 3` runs the whole set three times over and records,
 * per figure, the run with the median ratio and every run's ratio (the spread between runs).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Figure, machine } from './lib.js';
import { combineRuns, describeTarget, meetsTarget, TARGETS } from './targets.js';

const here = dirname(fileURLToPath(import.meta.url));

type Recorded = Figure & { runRatios?: number[] };

interface Results {
  machine: ReturnType<typeof machine> & { date: string };
  figures: Recorded[];
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
  'waves',
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
    'interquartile range where a figure is repeated. Where the whole set ran several times',
    '(`npm run bench -- --runs 3`), the row is the run with the median ratio and "runs" lists every',
    "run's ratio. Reproduce one figure with the command beside it, or all with `npm run bench`.",
    '',
    '| figure | value | baseline | ratio | runs | target | met | better | command |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const f of results.figures) {
    const spread = f.spread !== undefined ? ` ± ${fmt(f.spread)}` : '';
    const baseSpread = f.baselineSpread !== undefined ? ` ± ${fmt(f.baselineSpread)}` : '';
    const runs = f.runRatios ? f.runRatios.map(fmt).join(', ') : '—';
    const target = TARGETS[f.name];
    const met = meetsTarget(f, target);
    lines.push(
      `| \`${f.name}\` | ${fmt(f.value)}${spread} ${f.unit} | ${f.baselineName}: ${fmt(f.baseline)}${baseSpread} ${f.unit} | ${fmt(f.ratio)} | ${runs} | ${target ? describeTarget(f, target) : '—'} | ${met === undefined ? '—' : met ? 'yes' : '**no**'} | ${f.higherIsBetter ? 'higher' : 'lower'} | \`${f.command}\` |`,
    );
  }
  const notes = results.figures.filter((f) => f.notes);
  if (notes.length > 0) {
    lines.push('', '## Notes', '');
    for (const f of notes) lines.push(`- **${f.name}**: ${f.notes}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `--runs N` (default 1) and the names of the benchmarks to run (default: all). */
function parseArgs(argv: string[]): { runs: number; only: string[] } {
  const only: string[] = [];
  let runs = 1;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--runs' || arg.startsWith('--runs=')) {
      const raw = arg.includes('=') ? arg.slice('--runs='.length) : argv[++i];
      runs = Number(raw);
      if (!Number.isInteger(runs) || runs < 1 || runs > 20) {
        throw new Error(`--runs must be a whole number from 1 to 20, got "${raw ?? ''}"`);
      }
    } else {
      only.push(arg);
    }
  }
  return { runs, only };
}

async function main(): Promise<void> {
  const { runs, only } = parseArgs(process.argv.slice(2));
  const names = await benchmarks(only);
  const everyRun: Figure[][] = [];
  for (let run = 1; run <= runs; run++) {
    const figures: Figure[] = [];
    for (const name of names) {
      process.stdout.write(`\n== ${name}${runs > 1 ? ` (run ${run} of ${runs})` : ''}\n`);
      const started = performance.now();
      const produced = await runAlone(name);
      figures.push(...produced);
      process.stdout.write(`(${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
    }
    everyRun.push(figures);
  }
  const figures = combineRuns(everyRun);
  let previous: Recorded[] = [];
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
  // The scale model is computed from these figures: written with them, so it is never stale.
  const scale = await import('../scripts/scale-model.js');
  await writeFile(scale.SCALE_PATH, await scale.renderScale());
  process.stdout.write(
    `\nwrote bench/results.json, bench/RESULTS.md and bench/SCALE.md (${merged.length} figures)\n`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
