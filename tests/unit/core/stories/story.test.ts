import { describe, expect, it } from 'vitest';
import {
  addItem,
  composeStory,
  MAX_STORY_ITEMS,
  mergeRecords,
  type StoryItem,
  type StoryRecord,
} from '../../../../lambdas/core/stories/story.js';

const item = (
  id: string,
  source: string,
  publishedAt: string,
  extra: Partial<StoryItem> = {},
): StoryItem => ({
  id,
  source: { id: source, name: source.toUpperCase() },
  headline: `Headline ${id}`,
  news: [`First paragraph of ${id}.`, `Second paragraph of ${id}.`],
  topic: 'news',
  editions: ['dc'],
  publishedAt,
  updatedAt: publishedAt,
  url: `https://${source}.example/${id}`,
  ...extra,
});

describe('story records', () => {
  it('leads with the earliest item and makes every other a signal with its first paragraph and link', () => {
    const record: StoryRecord = {
      items: [item('b', 'wire', '2026-11-29T10:00:00.000Z'), item('a', 'desk', '2026-11-29T08:00:00.000Z')],
    };
    const brief = composeStory('b', record, '2026-11-29T10:00:00.000Z');
    expect(brief.headline).toBe('Headline a');
    expect(brief.news).toEqual(['First paragraph of a.', 'Second paragraph of a.']);
    expect(brief.source).toEqual({ id: 'desk', name: 'DESK' });
    expect(brief.signals).toEqual([
      {
        headline: 'Headline b',
        body: 'First paragraph of b.',
        sources: [{ name: 'WIRE', url: 'https://wire.example/b' }],
      },
    ]);
    expect(brief.publishedAt).toBe('2026-11-29T08:00:00.000Z');
  });

  it("replaces a source's older item with its newer one and remembers the older id", () => {
    const record: StoryRecord = { items: [item('a', 'desk', '2026-11-29T08:00:00.000Z')] };
    const newer = item('a2', 'desk', '2026-11-29T09:00:00.000Z');
    const { record: after, outcome } = addItem(record, newer);
    expect(outcome).toBe('updated');
    expect(after.items.map((i) => i.id)).toEqual(['a2']);
    expect(after.replaced).toEqual(['a']);
    expect(addItem(after, item('a', 'desk', '2026-11-29T08:00:00.000Z')).outcome).toBe('unchanged');
  });

  it(`keeps the text of at most ${MAX_STORY_ITEMS} items; a further source's item belongs but adds nothing`, () => {
    let record: StoryRecord = { items: [] };
    for (let i = 0; i < MAX_STORY_ITEMS + 3; i++) {
      record = addItem(record, item(`i${i}`, `s${i}`, '2026-11-29T08:00:00.000Z')).record;
    }
    expect(record.items).toHaveLength(MAX_STORY_ITEMS);
    expect(record.replaced).toHaveLength(3);
    expect(composeStory('i0', record, '2026-11-29T08:00:00.000Z').signals).toHaveLength(10);
  });

  it('merges the items of two stories one per source, and records the merged story', () => {
    const into: StoryRecord = { items: [item('a', 'desk', '2026-11-29T08:00:00.000Z')] };
    const other: StoryRecord = {
      items: [item('b', 'wire', '2026-11-29T09:00:00.000Z'), item('c', 'desk', '2026-11-29T07:00:00.000Z')],
    };
    const merged = mergeRecords(into, other, 'b');
    expect(merged.items.map((i) => i.id).sort()).toEqual(['a', 'b']);
    expect(merged.replaced).toEqual(['c']);
    expect(merged.merged).toEqual(['b']);
  });
});
