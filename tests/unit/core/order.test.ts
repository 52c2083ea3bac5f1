import { describe, expect, it } from 'vitest';
import { compareCodeUnits } from '../../../lambdas/core/order.js';

describe('compareCodeUnits', () => {
  it('orders as < does, for ids, dates and timestamps', () => {
    const values = [
      'b',
      'a',
      'B',
      'a-1',
      'a_1',
      'a.1',
      'a:1',
      '2026-11-30T01:00:00Z',
      '2026-11-30T01:00:00.000Z',
      '',
    ];
    const sorted = [...values].sort(compareCodeUnits);
    for (let i = 1; i < sorted.length; i++)
      expect((sorted[i - 1] as string) < (sorted[i] as string)).toBe(true);
    expect(compareCodeUnits('x', 'x')).toBe(0);
    expect(compareCodeUnits('2026-11-30', '2026-12-01')).toBe(-1);
    expect(compareCodeUnits('2026-12-01', '2026-11-30')).toBe(1);
  });
});
