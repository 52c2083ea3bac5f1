import { describe, expect, it } from 'vitest';
import {
  buildDigestView,
  byRoundupRank,
  type DigestInput,
  DigestInputError,
  digestSubject,
  digestText,
  orderRoundup,
  weekLabel,
} from '../../../lambdas/core/digest.js';
import { digestBrief, digestInput, twelveBriefs } from '../../support/digest-fixture.js';

const signal = { headline: 'A signal', body: 'Its body', sources: [{ name: 'A source' }] };

function ranked(id: string, topic: string, signals: number, updatedAt: string) {
  return { id, topic, updatedAt, signals: Array.from({ length: signals }, () => signal) };
}

/** The D.C. roundup of ISO week 49 of 2026, composed on Saturday 5 December. */
function roundupInput(briefs = twelveBriefs()): DigestInput {
  return { ...digestInput(briefs), kind: 'roundup', issueId: 'dc-2026-W49', localDate: '2026-12-05' };
}

describe('the roundup’s rank', () => {
  it('puts the brief with the most signals first, then the most recent, then by id', () => {
    const briefs = [
      ranked('a', 't', 1, '2026-12-04T10:00:00.000Z'),
      ranked('b', 't', 3, '2026-11-30T10:00:00.000Z'),
      ranked('c', 't', 3, '2026-12-02T10:00:00.000Z'),
      ranked('d', 't', 0, '2026-12-05T10:00:00.000Z'),
      ranked('e', 't', 1, '2026-12-04T10:00:00.000Z'),
    ];
    expect([...briefs].sort(byRoundupRank).map((b) => b.id)).toEqual(['c', 'b', 'a', 'e', 'd']);
  });

  it('reads grouped by topic, the topic of the top-ranked brief first', () => {
    const briefs = [
      ranked('few', 'energy', 1, '2026-12-05T10:00:00.000Z'),
      ranked('most', 'health', 4, '2026-12-01T10:00:00.000Z'),
      ranked('more', 'energy', 3, '2026-12-01T10:00:00.000Z'),
      ranked('some', 'health', 2, '2026-12-01T10:00:00.000Z'),
    ];
    expect(orderRoundup(briefs).map((b) => b.id)).toEqual(['most', 'some', 'more', 'few']);
  });
});

describe('the roundup’s wording', () => {
  it('says it is the weekly roundup in its subject', () => {
    expect(digestSubject('Tidings D.C.', { headline: 'Talks resume' }, 'roundup')).toBe(
      'Tidings D.C. weekly roundup: Talks resume',
    );
    expect(digestSubject('Tidings D.C.', { headline: 'Talks resume' })).toBe('Tidings D.C.: Talks resume');
  });

  it('names the week under the masthead, from its Monday to the day it was composed', () => {
    expect(weekLabel('2026-12-05')).toBe('Weekly roundup, November 30 – December 5, 2026');
    expect(weekLabel('2027-01-02')).toBe('Weekly roundup, December 28, 2026 – January 2, 2027');
    expect(weekLabel('2026-11-30')).toBe('Weekly roundup, November 30, 2026');
    expect(() => weekLabel('2026-13-01')).toThrow(DigestInputError);
  });

  it('builds a view whose subject, date line, lead and web link are the roundup’s', () => {
    const many = digestBrief({
      id: 'many-signals',
      headline: 'The week’s most signalled story',
      topic: 'transit',
      editions: ['dc'],
      publishedAt: '2026-11-30T08:00:00Z',
      updatedAt: '2026-11-30T08:00:00Z',
      news: ['It happened on Monday.'],
      signals: [signal, signal, signal, signal, signal],
    });
    const view = buildDigestView(roundupInput([...twelveBriefs(), many]));
    expect(view.subject).toBe('Tidings D.C. weekly roundup: The week’s most signalled story');
    expect(view.dateLabel).toBe('Weekly roundup, November 30 – December 5, 2026');
    expect(view.lead.id).toBe('many-signals');
    expect(view.webUrl).toMatch(/\/issues\/dc-2026-W49$/);
    expect(digestText(view)).toContain('Weekly roundup, November 30 – December 5, 2026');
  });

  it('leaves a daily issue’s view as it was', () => {
    const view = buildDigestView(digestInput());
    expect(view.dateLabel).toBe('Monday, November 30, 2026');
    expect(view.subject).not.toMatch(/roundup/);
  });
});
