import { describe, expect, it } from 'vitest';
import {
  buildDigestView,
  DigestInputError,
  digestPreheader,
  digestSubject,
  digestText,
  fillSlots,
  orderBriefs,
  publicHtml,
  publicLinks,
  recipientSlotValues,
  SLOT_MARKERS,
  SLOT_NAMES,
  truncate,
  wrapText,
  writtenDate,
} from '../../../lambdas/core/digest.js';
import { digestBrief, digestInput, recipient, twelveBriefs } from '../../support/digest-fixture.js';

const base = {
  headline: 'A headline',
  topic: 'security',
  editions: ['dc'],
  publishedAt: '2026-11-29T10:00:00Z',
  news: ['Something happened.'],
};

describe('orderBriefs', () => {
  it('groups briefs by topic, freshest topic first, newest first within a topic', () => {
    const briefs = [
      { id: 'a', topic: 'energy', updatedAt: '2026-11-29T01:00:00.000Z' },
      { id: 'b', topic: 'security', updatedAt: '2026-11-29T05:00:00.000Z' },
      { id: 'c', topic: 'energy', updatedAt: '2026-11-29T04:00:00.000Z' },
      { id: 'd', topic: 'security', updatedAt: '2026-11-29T02:00:00.000Z' },
      { id: 'e', topic: 'health', updatedAt: '2026-11-29T03:00:00.000Z' },
    ];
    expect(orderBriefs(briefs).map((b) => b.id)).toEqual(['b', 'd', 'c', 'a', 'e']);
  });

  it('breaks ties by id so the order is stable', () => {
    const briefs = [
      { id: 'z', topic: 't', updatedAt: '2026-11-29T01:00:00.000Z' },
      { id: 'm', topic: 't', updatedAt: '2026-11-29T01:00:00.000Z' },
    ];
    expect(orderBriefs(briefs).map((b) => b.id)).toEqual(['m', 'z']);
  });
});

describe('digestSubject', () => {
  it('names the edition and the lead story', () => {
    expect(digestSubject('Tidings D.C.', { headline: 'Talks resume' })).toBe('Tidings D.C.: Talks resume');
  });

  it('strips control characters and line breaks and truncates at a word', () => {
    const subject = digestSubject('Tidings D.C.', {
      headline: `Line\r\nBcc: x@evil.example\u0007 ${'word '.repeat(40)}`,
    });
    expect([...subject].some((c) => c.charCodeAt(0) < 0x20)).toBe(false);
    expect([...subject].length).toBeLessThanOrEqual(110);
    expect(subject.endsWith('…')).toBe(true);
    expect(subject).not.toMatch(/ …$/);
  });
});

describe('digestPreheader', () => {
  it('opens with the lead dek and names the next headlines', () => {
    const text = digestPreheader([
      { headline: 'One', dek: 'The lead dek', news: ['x'] },
      { headline: 'Two', news: ['y'] },
      { headline: 'Three', news: ['z'] },
      { headline: 'Four', news: ['w'] },
    ]);
    expect(text).toBe('The lead dek. Also: Two; Three.');
  });

  it('uses the first news sentence without a dek and stays short', () => {
    const text = digestPreheader([
      { headline: 'One', news: [`First sentence here. ${'More words. '.repeat(30)}`] },
    ]);
    expect(text).toBe('First sentence here.');
    expect(digestPreheader([{ headline: 'x', news: ['word '.repeat(100)] }]).length).toBeLessThanOrEqual(140);
  });
});

describe('buildDigestView', () => {
  it('refuses an issue without briefs', () => {
    expect(() => buildDigestView(digestInput([]))).toThrow(DigestInputError);
  });

  it('writes out the local date and links the web version under the base URL', () => {
    const view = buildDigestView(digestInput());
    expect(view.dateLabel).toBe('Monday, November 30, 2026');
    expect(view.webUrl).toBe('http://127.0.0.1:3000/issues/dc-2026-11-30');
    expect(view.nav.filter((n) => n.current).map((n) => n.name)).toEqual(['D.C.']);
    expect(view.nav.every((n) => n.url.startsWith('http://127.0.0.1:3000/issues?edition='))).toBe(true);
  });

  it('derives the deck, labels one or several sources, and marks updated briefs', () => {
    const brief = digestBrief(
      {
        ...base,
        id: 'b1',
        updatedAt: '2026-11-30T13:01:00Z',
        signals: [
          {
            headline: 'S1',
            body: 'B1',
            sources: [{ name: 'Daily Ledger', url: 'https://ledger.example/a' }],
          },
          { headline: 'S2', body: 'B2', sources: [{ name: 'Harbour Post' }, { name: 'Daily Ledger' }] },
        ],
      },
      true,
    );
    const [view] = buildDigestView(digestInput([brief])).briefs;
    expect(view?.deck).toBe('Insights from Daily Ledger and Harbour Post');
    expect(view?.signals.map((s) => s.sourcesLabel)).toEqual(['Source', 'Sources']);
    expect(view?.timeLabel).toBe('Updated Nov 30, 2026, 8:01 AM EST');
  });

  it('keeps brief text from forging a recipient slot', () => {
    const brief = digestBrief({
      ...base,
      id: 'b2',
      updatedAt: '2026-11-30T10:00:00Z',
      headline: SLOT_MARKERS.unsubscribeUrl,
    });
    const view = buildDigestView(digestInput([brief]));
    expect(view.briefs[0]?.headline).not.toBe(SLOT_MARKERS.unsubscribeUrl);
    expect(
      fillSlots(view.briefs[0]?.headline ?? '', recipientSlotValues('T', recipient('a@b.example')), 'text'),
    ).not.toContain('unsubscribe?token');
  });
});

describe('digestText', () => {
  it('reads alone: edition, date, every headline, news, signals with sources, links and footer', () => {
    const input = digestInput();
    const text = digestText(buildDigestView(input));
    const flat = text.replace(/\s+/g, ' ');
    expect(text).toContain('TIDINGS D.C.');
    expect(text).toContain('Monday, November 30, 2026');
    for (const brief of input.briefs) {
      expect(flat).toContain(brief.headline.toUpperCase());
      expect(flat).toContain(brief.news[0]);
      for (const signal of brief.signals) {
        expect(flat).toContain(signal.headline);
        for (const source of signal.sources) {
          expect(flat).toContain(source.url ? `${source.name} (${source.url})` : source.name);
        }
      }
      if (brief.url) expect(text).toContain(`Read more: ${brief.url}`);
    }
    expect(text).toContain(input.config.postalAddress.split(',')[0]);
    expect(text).toContain(`${SLOT_MARKERS.unsubscribeLabel}: ${SLOT_MARKERS.unsubscribeUrl}`);
    expect(text).not.toMatch(/<\/?[a-z][^>]*>/i);
  });

  it('keeps lines within 72 characters except unbreakable words and slot lines', () => {
    const text = digestText(buildDigestView(digestInput()));
    const long = text.split('\n').filter((l) => l.length > 72 && !l.includes('%%') && !/\S{40,}/.test(l));
    expect(long).toEqual([]);
  });
});

describe('slots', () => {
  it('fills every slot once per occurrence, escaping for HTML and not re-expanding values', () => {
    const r = { ...recipient('ana@example.com', `Ana "<b>" ${SLOT_MARKERS.receipt}`) };
    const values = recipientSlotValues('Tidings D.C.', r);
    const source = SLOT_NAMES.map((n) => SLOT_MARKERS[n]).join('|');
    const html = fillSlots(source, values, 'html');
    expect(html).toContain('Good morning, Ana &#34;&lt;b&gt;&#34; %%TIDINGS_SLOT_RECEIPT%%.');
    expect(html).toContain('unsubscribe?token=u.YW5hQGV4YW1wbGUuY29t&amp;e=dc');
    expect(fillSlots(source, values, 'text')).toContain('&e=dc');
  });

  it('gives the web version neutral values: no reader, a sign-up link instead of unsubscribe', () => {
    const input = digestInput();
    const html = `<a href="${SLOT_MARKERS.unsubscribeUrl}">${SLOT_MARKERS.unsubscribeLabel}</a> ${SLOT_MARKERS.receipt} ${SLOT_MARKERS.greeting}`;
    const page = publicHtml({ html }, publicLinks(input.config, input.edition));
    expect(page).toBe(
      '<a href="http://127.0.0.1:3000/">Subscribe</a> This is the web edition of Tidings D.C.. Subscribe to get it by email. Good morning.',
    );
  });
});

describe('helpers', () => {
  it('wraps text at the width without breaking long words', () => {
    expect(wrapText('aaa bbb ccc', 7)).toEqual(['aaa bbb', 'ccc']);
    expect(wrapText(`x ${'u'.repeat(20)} y`, 10)).toEqual(['x', 'u'.repeat(20), 'y']);
  });

  it('truncates by characters, not UTF-16 units', () => {
    expect(truncate('😀'.repeat(10), 5)).toBe('😀😀😀😀…');
  });

  it('rejects a date that is not YYYY-MM-DD', () => {
    expect(() => writtenDate('2026-13-45')).toThrow(DigestInputError);
    expect(() => writtenDate('<script>')).toThrow(DigestInputError);
  });

  it('renders the fixture with its twelve briefs in one view', () => {
    expect(buildDigestView(digestInput(twelveBriefs())).briefs).toHaveLength(12);
  });
});

describe('links', () => {
  it('drops a link that is not absolute http(s), even if a brief got past validation', () => {
    const brief = {
      ...digestBrief({ ...base, id: 'links', updatedAt: '2026-11-30T10:00:00Z' }),
      url: 'javascript:alert(1)',
      image: { url: 'data:text/html,x', alt: 'x' },
      signals: [{ headline: 'S', body: 'B', sources: [{ name: 'N', url: 'javascript:alert(2)' }] }],
    };
    const [view] = buildDigestView(digestInput([brief])).briefs;
    expect(view?.url).toBeUndefined();
    expect(view?.image).toBeUndefined();
    expect(view?.signals[0]?.sources[0]).toEqual({ name: 'N' });
  });

  it('orders by last change, taking publication when an update was dated earlier', () => {
    const briefs = [
      { id: 'a', topic: 't', publishedAt: '2026-11-29T09:00:00.000Z', updatedAt: '2026-11-29T01:00:00.000Z' },
      { id: 'b', topic: 't', publishedAt: '2026-11-29T02:00:00.000Z', updatedAt: '2026-11-29T05:00:00.000Z' },
    ];
    expect(orderBriefs(briefs).map((b) => b.id)).toEqual(['a', 'b']);
  });
});
