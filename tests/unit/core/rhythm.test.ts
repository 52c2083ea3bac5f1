import { describe, expect, it } from 'vitest';
import { rhythmGets, weekdayOf } from '../../../lambdas/core/rhythm.js';

describe('rhythm', () => {
  it('sends a daily issue to daily readers every day and to weekday readers Monday to Friday', () => {
    expect(rhythmGets('daily', { kind: 'daily', weekday: 'sun' })).toBe(true);
    expect(rhythmGets(undefined, { kind: 'daily', weekday: 'sat' })).toBe(true);
    expect(rhythmGets('weekdays', { kind: 'daily', weekday: 'fri' })).toBe(true);
    expect(rhythmGets('weekdays', { kind: 'daily', weekday: 'sat' })).toBe(false);
    expect(rhythmGets('weekly', { kind: 'daily', weekday: 'wed' })).toBe(false);
  });

  it('sends a roundup to weekly readers only', () => {
    expect(rhythmGets('weekly', { kind: 'roundup' })).toBe(true);
    expect(rhythmGets('daily', { kind: 'roundup' })).toBe(false);
    expect(rhythmGets(undefined, { kind: 'roundup' })).toBe(false);
    expect(rhythmGets('weekdays', { kind: 'roundup' })).toBe(false);
  });

  it('reads the weekday of a calendar date', () => {
    expect(weekdayOf('2026-11-30')).toBe('mon');
    expect(weekdayOf('2026-12-06')).toBe('sun');
    expect(weekdayOf('2024-02-29')).toBe('thu');
  });
});
