import { writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { pathToFileURL } from 'node:url';

// Benchmarks run on Node 20 here; the SDK's notice that its 2027 releases need Node 22 is noise in a table.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** One figure of the performance report, always beside the baseline measured in the same run. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline: number;
  baselineName: string;
  /** value / baseline. */
  ratio: number;
  higherIsBetter: boolean;
  /** The command that reproduces this figure alone. */
  command: string;
  /** Spread of the measured value over the repeats, e.g. interquartile range, in `unit`. */
  spread?: number;
  baselineSpread?: number;
  notes?: string;
}

export interface Stats {
  median: number;
  min: number;
  max: number;
  /** Interquartile range. */
  iqr: number;
  samples: number[];
}

export function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => {
    const pos = (sorted.length - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return (sorted[lo] ?? 0) + ((sorted[hi] ?? 0) - (sorted[lo] ?? 0)) * (pos - lo);
  };
  return { median: at(0.5), min: sorted[0] ?? 0, max: sorted.at(-1) ?? 0, iqr: at(0.75) - at(0.25), samples };
}

/** Runs `fn` `warmup` times unmeasured, then `repeats` times, returning the durations in milliseconds. */
export async function measure(
  fn: () => unknown,
  options: { warmup?: number; repeats?: number } = {},
): Promise<Stats> {
  const { warmup = 3, repeats = 10 } = options;
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return stats(samples);
}

export function machine(): { cpu: string; cores: number; memoryGiB: number; node: string; platform: string } {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** Parses `--name value` flags into numbers, falling back to defaults. */
export function numericFlags<T extends Record<string, number>>(argv: string[], defaults: T): T {
  const out: Record<string, number> = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (!flag?.startsWith('--')) continue;
    const key = flag.slice(2);
    if (!(key in defaults))
      throw new Error(`unknown flag ${flag}; expected one of ${Object.keys(defaults).join(', ')}`);
    const value = Number(argv[++i]);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${flag} needs a positive number`);
    out[key] = value;
  }
  return out as T;
}

export function printFigures(figures: Figure[]): void {
  for (const f of figures) {
    const better = f.higherIsBetter ? 'higher is better' : 'lower is better';
    console.log(
      `${f.name.padEnd(24)} ${fmt(f.value)} ${f.unit}  vs ${f.baselineName} ${fmt(f.baseline)} ${f.unit}  ratio ${fmt(f.ratio)} (${better})`,
    );
    if (f.notes) console.log(`${' '.repeat(25)}${f.notes}`);
  }
}

function fmt(n: number): string {
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3);
}

/**
 * Lets a benchmark module run alone (`npx tsx bench/render.bench.ts --briefs 12`) as well as
 * from `bench/run.ts`, which imports its default export.
 */
export async function runIfMain(
  moduleUrl: string,
  bench: (argv: string[]) => Promise<Figure[]>,
): Promise<void> {
  const entry = process.argv[1];
  if (!entry || pathToFileURL(entry).href !== moduleUrl) return;
  const figures = await bench(process.argv.slice(2));
  printFigures(figures);
  // `bench/run.ts` runs each benchmark in a fresh process and collects its figures from this file.
  const out = process.env.TIDINGS_BENCH_OUT;
  if (out) await writeFile(out, JSON.stringify(figures));
  process.exit(0);
}
