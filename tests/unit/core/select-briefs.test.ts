import { describe, expect, it } from 'vitest';
import type { StoredBrief } from '../../../lambdas/core/brief.js';
import { selectBriefs } from '../../../lambdas/core/select-briefs.js';

function brief(
  id: string,
  publishedAt: string,
  updatedAt = publishedAt,
  extra: Partial<StoredBrief> = {},
): StoredBrief {
  return {
    id,
    headline: `Headline ${id}`,
    topic: 'policy',
    editions: ['dc'],
    publishedAt,
    updatedAt,
    news: ['A paragraph.'],
    signals: [],
    contentHash: id,
    ingestedAt: updatedAt,
    ...extra,
  };
}

const cutoff = '2026-11-30T11:30:00.000Z';

describe('selectBriefs', () => {
  describe("an edition's first issue", () => {
    it('carries the most recent briefs however old, newest first, up to the limit', () => {
      const candidates = [
        brief('old', '2020-01-01T00:00:00.000Z'),
        brief('newer', '2025-06-01T00:00:00.000Z'),
        brief('newest', '2026-11-29T00:00:00.000Z'),
      ];
      const picked = selectBriefs({ candidates, cutoff, limit: 2 });
      expect(picked.map((p) => p.brief.id)).toEqual(['newest', 'newer']);
      expect(picked.every((p) => !p.updated)).toBe(true);
    });
  });

  describe('a later issue', () => {
    const previousCutoff = '2026-11-29T11:30:00.000Z';

    it('carries only briefs published or updated after the previous cutoff', () => {
      const candidates = [
        brief('before', '2026-11-29T09:00:00.000Z'),
        brief('at-cutoff', previousCutoff),
        brief('after', '2026-11-29T18:00:00.000Z'),
      ];
      const picked = selectBriefs({ candidates, previousCutoff, cutoff, limit: 12 });
      expect(picked.map((p) => p.brief.id)).toEqual(['after']);
    });

    it('marks a brief that went out before and changed since as updated', () => {
      const candidates = [
        brief('changed', '2026-11-29T08:00:00.000Z', '2026-11-30T08:00:00.000Z'),
        brief('fresh', '2026-11-30T07:00:00.000Z'),
      ];
      const picked = selectBriefs({ candidates, previousCutoff, cutoff, limit: 12 });
      expect(picked).toEqual([
        { brief: candidates[0], updated: true },
        { brief: candidates[1], updated: false },
      ]);
    });

    it('yields nothing when nothing changed, so no email goes out', () => {
      const candidates = [brief('a', '2026-11-28T00:00:00.000Z'), brief('b', '2026-11-29T00:00:00.000Z')];
      expect(selectBriefs({ candidates, previousCutoff, cutoff, limit: 12 })).toEqual([]);
    });
  });

  it('never carries a retracted brief', () => {
    const candidates = [brief('gone', '2026-11-30T00:00:00.000Z', undefined, { retracted: true })];
    expect(selectBriefs({ candidates, cutoff, limit: 12 })).toEqual([]);
  });

  it('leaves out briefs dated after the cutoff (they belong to the next issue)', () => {
    const candidates = [
      brief('future', '2026-11-30T12:00:00.000Z'),
      brief('edited-later', '2026-11-30T10:00:00.000Z', '2026-11-30T12:00:00.000Z'),
    ];
    expect(selectBriefs({ candidates, cutoff, limit: 12 })).toEqual([]);
  });

  it('takes each brief once even when a page repeats it', () => {
    const a = brief('a', '2026-11-30T00:00:00.000Z');
    expect(selectBriefs({ candidates: [a, a], cutoff, limit: 12 })).toHaveLength(1);
  });

  it('orders by last change, so an update ranks by when it changed', () => {
    const candidates = [
      brief('published-late', '2026-11-30T09:00:00.000Z'),
      brief('updated-later', '2026-11-25T00:00:00.000Z', '2026-11-30T10:00:00.000Z'),
    ];
    expect(selectBriefs({ candidates, cutoff, limit: 12 }).map((p) => p.brief.id)).toEqual([
      'updated-later',
      'published-late',
    ]);
  });

  it('returns nothing for a limit of zero or less', () => {
    expect(selectBriefs({ candidates: [brief('a', '2026-11-30T00:00:00.000Z')], cutoff, limit: 0 })).toEqual(
      [],
    );
  });
});
