import { describe, expect, it } from 'vitest';
import { BriefSchema, deriveDeck, joinNames } from '../../../lambdas/core/brief.js';

const signal = (...names: string[]) => ({
  headline: 'A signal',
  body: 'Some analysis.',
  sources: names.map((name) => ({ name })),
});

const base = {
  id: 'b-1',
  headline: 'A headline',
  topic: 'Security',
  editions: ['dc'],
  publishedAt: '2026-11-30T07:00:00-05:00',
  updatedAt: '2026-11-30T12:00:00Z',
  news: ['The news.'],
};

describe('brief', () => {
  it('reads the deck naturally for one, two and many sources, each named once', () => {
    expect(deriveDeck({ signals: [] })).toBeUndefined();
    expect(deriveDeck({ signals: [signal('The Harbour Ledger')] })).toBe('Insights from The Harbour Ledger');
    expect(deriveDeck({ signals: [signal('A'), signal('B', 'a')] })).toBe('Insights from A and B');
    expect(deriveDeck({ signals: [signal('A', 'B'), signal('C')] })).toBe('Insights from A, B, and C');
    expect(joinNames([])).toBe('');
  });

  it('normalises instants to UTC and topics to lower case', () => {
    const brief = BriefSchema.parse(base);
    expect(brief.publishedAt).toBe('2026-11-30T12:00:00.000Z');
    expect(brief.topic).toBe('security');
    expect(brief.signals).toEqual([]);
  });

  it('rejects hostile or malformed fields with the field named', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ headline: 'Line\r\nBcc: victim@example.com' }, 'headline'],
      [{ url: 'javascript:alert(1)' }, 'url'],
      [{ publishedAt: '2026-11-30 07:00' }, 'publishedAt'],
      [{ editions: ['DC; drop'] }, 'editions'],
      [{ news: [] }, 'news'],
      [{ extra: 'field' }, ''],
    ];
    for (const [change, field] of cases) {
      const result = BriefSchema.safeParse({ ...base, ...change });
      expect(result.success, JSON.stringify(change)).toBe(false);
      if (field) expect(result.error?.issues[0]?.path[0]).toBe(field);
    }
  });
});

describe('brief instants', () => {
  it('rejects dates that Date would roll over instead of storing the wrong day', () => {
    for (const bad of [
      '2026-02-30T10:00:00Z',
      '2026-04-31T10:00:00Z',
      '2026-11-30T24:00:00Z',
      '2026-13-01T00:00:00Z',
    ]) {
      expect(BriefSchema.safeParse({ ...base, publishedAt: bad }).success, bad).toBe(false);
    }
    expect(BriefSchema.safeParse({ ...base, publishedAt: '2028-02-29T10:00:00Z' }).success).toBe(true);
  });

  it('rejects Unicode line separators in single-line fields', () => {
    expect(BriefSchema.safeParse({ ...base, headline: 'One\u2028Two' }).success).toBe(false);
  });

  it('rejects bidi controls in single-line fields (a headline reaches the Subject), naming the character', () => {
    for (const c of ['\u202a', '\u202e', '\u2066', '\u2069']) {
      const result = BriefSchema.safeParse({ ...base, headline: `Ada${c}gnp.exe` });
      expect(result.success, c).toBe(false);
      expect(result.error?.issues[0]?.message).toContain('bidirectional controls');
    }
  });

  it('keeps bidi controls and line feeds in paragraphs, and refuses other control characters there', () => {
    const isolated = 'An isolated \u2067\u0625\u064a\u0632\u0648\u2069 run\nand a second line';
    expect(BriefSchema.safeParse({ ...base, news: [isolated] }).success).toBe(true);
    for (const c of ['\u0000', '\r', '\u001b', '\u007f', '\u0085']) {
      expect(BriefSchema.safeParse({ ...base, news: [`a${c}b`] }).success, JSON.stringify(c)).toBe(false);
    }
  });
});
