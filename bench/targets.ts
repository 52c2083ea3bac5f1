import type { Figure } from './lib.js';

/**
 * What each figure must reach, as recorded beside it in RESULTS.md: a bound on the ratio to the
 * baseline measured in the same run, or on the value itself where the target is absolute (a
 * bundle's size). A figure without a target is reported as measured.
 */
export interface Target {
  /** The ratio must be at least (higher is better) or at most (lower is better) this. */
  ratio?: number;
  /** The value must be at most this, in the figure's unit. */
  valueAtMost?: number;
}

const COLD_START = 3;

export const TARGETS: Readonly<Record<string, Target>> = {
  render: { ratio: 1 / 50 },
  'email-size': { ratio: 1 },
  ingest: { ratio: 0.5 },
  'ingest-writes-per-item': { valueAtMost: 0.2 },
  fanout: { ratio: 0.8 },
  // The waves' summed time within 1.2× of one single-wave fan-out: a rate ratio of at least 1/1.2.
  waves: { ratio: 0.83 },
  delivery: { ratio: 0.8 },
  'delivery-full-digest': { ratio: 0.9 },
  api: { ratio: 0.7 },
  'api-p99': { ratio: 2 },
  'bundle:api': { valueAtMost: 600 },
  'cold-start:compose': { ratio: 2.5 },
  'cold-start:api': { ratio: COLD_START },
  'cold-start:ingest': { ratio: COLD_START },
  'cold-start:send': { ratio: COLD_START },
  'cold-start:feedback': { ratio: COLD_START },
  'chaos duplicates': { valueAtMost: 0 },
};

/** The target in words, e.g. "≥ 0.8×" or "≤ 600 KiB". */
export function describeTarget(figure: Pick<Figure, 'unit' | 'higherIsBetter'>, target: Target): string {
  const parts: string[] = [];
  if (target.ratio !== undefined) parts.push(`${figure.higherIsBetter ? '≥' : '≤'} ${target.ratio}×`);
  if (target.valueAtMost !== undefined) parts.push(`≤ ${target.valueAtMost} ${figure.unit}`);
  return parts.join(', ');
}

/** Whether a figure meets its target; undefined when it has none. */
export function meetsTarget(
  figure: Pick<Figure, 'value' | 'ratio' | 'higherIsBetter'>,
  target: Target | undefined,
): boolean | undefined {
  if (!target) return undefined;
  if (target.valueAtMost !== undefined && !(figure.value <= target.valueAtMost)) return false;
  if (target.ratio !== undefined) {
    return figure.higherIsBetter ? figure.ratio >= target.ratio : figure.ratio <= target.ratio;
  }
  return true;
}

/**
 * One figure from several complete runs of the benchmarks: the run whose ratio is the median
 * (the middle one of an odd count, the lower-middle of an even one, so it is a run that happened,
 * not an average), with every run's ratio kept beside it.
 */
export function combineRuns(runs: readonly Figure[][]): Array<Figure & { runRatios?: number[] }> {
  const names: string[] = [];
  for (const run of runs) for (const f of run) if (!names.includes(f.name)) names.push(f.name);
  return names.map((name) => {
    const seen = runs.flatMap((run) => run.filter((f) => f.name === name));
    const sorted = [...seen].sort((a, b) => a.ratio - b.ratio);
    const middle = sorted[Math.floor((sorted.length - 1) / 2)] as Figure;
    return seen.length > 1 ? { ...middle, runRatios: seen.map((f) => f.ratio) } : middle;
  });
}
