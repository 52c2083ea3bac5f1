import { describe, expect, it } from 'vitest';
import { extractFigures, names, stem, storyFeatures } from '../../../../lambdas/core/stories/features.js';
import { pairScore, StoryIndex } from '../../../../lambdas/core/stories/match.js';

describe('story features', () => {
  it('normalises figures so that two ways of writing one amount agree', () => {
    expect(extractFigures('a cut to 3.5 percent')).toEqual(new Set(['3.5%']));
    expect(extractFigures('cut to 3.5%')).toEqual(new Set(['3.5%']));
    expect(extractFigures('worth $4.8 billion')).toEqual(extractFigures('a $4.8bn deal'));
    expect(extractFigures('about 2,000 residents')).toEqual(new Set(['2000']));
    expect(extractFigures('raised $45m')).toEqual(extractFigures('raised $45 million'));
  });

  it('leaves out small bare counts, which tell no event apart', () => {
    expect(extractFigures('two banks and 6 trains')).toEqual(new Set());
  });

  it('stems inflections and demonyms to one term', () => {
    expect(stem('floods')).toBe(stem('flooding'));
    expect(stem('flooded')).toBe(stem('flood'));
    expect(stem('Valdorian')).toBe(stem('Valdoria'));
  });

  it('reads capitalised words inside a sentence as names, not the first word', () => {
    expect(names('Officials in Kessling said Skyline Air would pay.')).toEqual(
      new Set([stem('Kessling'), 'skyline', 'air']),
    );
  });
});

describe('pair score', () => {
  const item = (title: string, summary: string, publishedAt = '2026-11-29T09:00:00Z') =>
    storyFeatures({ title, summary, publishedAt });
  const flat = (): number => 1;

  it('is zero for items further apart than the window, however alike', () => {
    const a = item('Storm surge floods Kessling port', 'Seawater flooded the harbour.');
    const b = item(
      'Storm surge floods Kessling port',
      'Seawater flooded the harbour.',
      '2026-12-05T09:00:00Z',
    );
    expect(pairScore(a, a, flat)).toBeGreaterThan(0.9);
    expect(pairScore(a, b, flat)).toBe(0);
  });

  it('adds for figures both items report', () => {
    const a = item('Bank cuts rate', 'The bank cut its rate to 3.5 percent.');
    const b = item('Bank cuts rate', 'The bank cut its rate to 3.5%.');
    const c = item('Bank cuts rate', 'The bank cut its rate to a new low.');
    expect(pairScore(a, b, flat)).toBeGreaterThan(pairScore(a, c, flat));
  });
});

describe('story index', () => {
  const features = (title: string, publishedAt = '2026-11-29T09:00:00Z') =>
    storyFeatures({ title, summary: title, publishedAt });

  it('finds a story through a shared rare term and only in an edition the item is for', () => {
    const index = new StoryIndex();
    const stored = features('Undersea cable between Singapore and Jakarta cut by anchor');
    index.observe(stored);
    index.add({ itemId: 'a', briefId: 'story-a', sourceId: 'wire', editions: ['sg'], features: stored });
    const item = features('Anchor cut the undersea cable from Singapore to Jakarta');
    index.observe(item);
    expect(index.best(item, ['sg'], 'desk')?.briefId).toBe('story-a');
    expect(index.best(item, ['dc'], 'desk')).toBeUndefined();
  });

  it('asks more of a match with a story that already holds an item of the same source', () => {
    const index = new StoryIndex();
    const stored = features('Port fees rise at Kessling as ships queue outside the harbour');
    index.observe(stored);
    index.add({ itemId: 'a', briefId: 'story-a', sourceId: 'harbour', editions: ['dc'], features: stored });
    const item = features('Dredging starts at Kessling as ships queue outside the harbour');
    index.observe(item);
    expect(index.best(item, ['dc'], 'wire')?.briefId).toBe('story-a');
    expect(index.best(item, ['dc'], 'harbour')).toBeUndefined();
  });

  it('forgets a story removed from it', () => {
    const index = new StoryIndex();
    const stored = features('Undersea cable between Singapore and Jakarta cut by anchor');
    index.add({ itemId: 'a', briefId: 'story-a', sourceId: 'wire', editions: ['sg'], features: stored });
    index.removeBrief('story-a');
    expect(index.briefOf('a')).toBeUndefined();
    expect(index.best(stored, ['sg'], 'desk')).toBeUndefined();
  });
});
