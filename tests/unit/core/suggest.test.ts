import { describe, expect, it } from 'vitest';
import { closestMatch, editDistance } from '../../../lambdas/core/suggest.js';

describe('editDistance', () => {
  it.each([
    ['status', 'status', 0],
    ['stauts', 'status', 1],
    ['edtion', 'edition', 1],
    ['recipeints', 'recipients', 1],
    ['sendtime', 'sendTime', 1],
    ['', 'dev', 3],
    ['launch', 'run', 4],
  ])('counts %s → %s as %i edits', (a, b, n) => {
    expect(editDistance(a, b)).toBe(n);
    expect(editDistance(b, a)).toBe(n);
  });
});

describe('closestMatch', () => {
  const commands = ['dev', 'run', 'ingest', 'briefs', 'status', 'subscribers'];

  it('suggests the known name a slip of the keyboard away', () => {
    expect(closestMatch('stauts', commands)).toBe('status');
    expect(closestMatch('subscriber', commands)).toBe('subscribers');
    expect(closestMatch('INGEST', commands)).toBe('ingest');
  });

  it('suggests nothing for a word that is not near any name', () => {
    expect(closestMatch('launch', commands)).toBeUndefined();
    expect(closestMatch('x', commands)).toBeUndefined();
  });

  it('prefers the nearest, and the first of equals', () => {
    expect(closestMatch('rum', ['run', 'rut'])).toBe('run');
    expect(closestMatch('maxSendRat', ['maxSendRate', 'configurationSet'])).toBe('maxSendRate');
  });
});
