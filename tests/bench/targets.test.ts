import { describe, expect, it } from 'vitest';
import type { Figure } from '../../bench/lib.js';
import { combineRuns, describeTarget, meetsTarget, TARGETS } from '../../bench/targets.js';

function figure(name: string, ratio: number, higherIsBetter = true, value = ratio * 100): Figure {
  return {
    name,
    value,
    unit: 'x/s',
    baseline: 100,
    baselineName: 'base',
    ratio,
    higherIsBetter,
    command: `npx tsx bench/${name}.bench.ts`,
  };
}

describe('benchmark targets', () => {
  it('meets a higher-is-better ratio at or above its bound and a lower-is-better one at or below', () => {
    expect(meetsTarget(figure('delivery', 0.8), TARGETS.delivery)).toBe(true);
    expect(meetsTarget(figure('delivery', 0.79), TARGETS.delivery)).toBe(false);
    expect(meetsTarget(figure('api-p99', 2, false), TARGETS['api-p99'])).toBe(true);
    expect(meetsTarget(figure('api-p99', 2.01, false), TARGETS['api-p99'])).toBe(false);
  });

  it('checks absolute bounds on the value, and reports no verdict without a target', () => {
    expect(meetsTarget(figure('bundle:api', 5, false, 600), TARGETS['bundle:api'])).toBe(true);
    expect(meetsTarget(figure('bundle:api', 5, false, 601), TARGETS['bundle:api'])).toBe(false);
    expect(meetsTarget(figure('cluster-recall', 1), undefined)).toBeUndefined();
    expect(describeTarget({ unit: 'KiB', higherIsBetter: false }, { valueAtMost: 600 })).toBe('≤ 600 KiB');
    expect(describeTarget({ unit: 'x', higherIsBetter: true }, { ratio: 0.7 })).toBe('≥ 0.7×');
  });

  it('keeps the run with the median ratio of each figure, with every run’s ratio beside it', () => {
    const runs = [
      [figure('api', 0.9), figure('render', 0.01, false)],
      [figure('api', 0.7), figure('render', 0.03, false)],
      [figure('api', 0.8)],
    ];
    const combined = combineRuns(runs);
    expect(combined.map((f) => f.name)).toEqual(['api', 'render']);
    expect(combined[0]).toMatchObject({ ratio: 0.8, value: 80, runRatios: [0.9, 0.7, 0.8] });
    expect(combined[1]).toMatchObject({ ratio: 0.01, runRatios: [0.01, 0.03] });
    expect(combineRuns([[figure('api', 0.5)]])[0]).not.toHaveProperty('runRatios');
  });
});
