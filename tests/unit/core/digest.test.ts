import { describe, expect, it } from 'vitest';
import type { EditionConfig } from '../../../lambdas/core/config.js';
import {
  briefTime,
  buildDigestView,
  countOf,
  DigestInputError,
  digestPreheader,
  digestSubject,
  digestText,
  fillSlots,
  intlBriefTime,
  orderBriefs,
  postalLine,
  publicHtml,
  publicLinks,
  publicSlotValues,
  recipientSlotValues,
  SLOT_MARKERS,
  SLOT_NAMES,
  sentence,
  truncate,
  wrapText,
  writtenDate,
} from '../../../lambdas/core/digest.js';
import { wallClockByIntl } from '../../../lambdas/core/zone-clock.js';
import { knownZoneName } from '../../../lambdas/core/zone-names.js';
import {
  digestBrief,
  digestConfig,
  digestInput,
  recipient,
  twelveBriefs,
} from '../../support/digest-fixture.js';

function dcEdition(): EditionConfig {
  const edition = digestConfig().editions.find((e) => e.id === 'dc');
  if (!edition) throw new Error('no dc edition');
  return edition;
}

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
  it('teases the next briefs by headline, not the lead the reader sees first', () => {
    const text = digestPreheader([
      { headline: 'One', dek: 'The lead dek', news: ['The lead opens here.'] },
      { headline: 'Two', news: ['y'] },
      { headline: 'Three?', news: ['z'] },
      { headline: 'Four.', news: ['w'] },
    ]);
    expect(text).toBe('Also: Two; Three; Four.');
  });

  it('cuts a long list of headlines at a word within 140 characters', () => {
    const briefs = ['Lead', ...Array.from({ length: 8 }, (_, i) => `Headline number ${i} about something`)];
    const text = digestPreheader(briefs.map((headline) => ({ headline, news: ['x'] })));
    expect(text.startsWith('Also: Headline number 0 about something; Headline number 1')).toBe(true);
    expect([...text].length).toBeLessThanOrEqual(140);
    expect(text.endsWith('…')).toBe(true);
  });

  it('uses the dek, else the first news sentence, when the issue has one brief', () => {
    expect(digestPreheader([{ headline: 'One', dek: 'The dek', news: ['x'] }])).toBe('The dek');
    const text = digestPreheader([
      { headline: 'One', news: [`First sentence here. ${'More words. '.repeat(30)}`] },
    ]);
    expect(text).toBe('First sentence here.');
    expect(digestPreheader([{ headline: 'x', news: ['word '.repeat(100)] }]).length).toBeLessThanOrEqual(140);
  });
});

describe('words', () => {
  it('adds no second full stop after an edition name ending in one', () => {
    expect(sentence('This is the web edition of Tidings D.C.')).toBe(
      'This is the web edition of Tidings D.C.',
    );
    expect(sentence('This is the web edition of Tidings SG')).toBe('This is the web edition of Tidings SG.');
    const links = publicLinks(digestConfig(), { ...dcEdition(), name: 'D.C.' });
    expect(publicSlotValues(links).receipt).not.toContain('..');
  });

  it('makes counts agree in number', () => {
    expect(countOf(1, 'brief')).toBe('1 brief');
    expect(countOf(2, 'email')).toBe('2 emails');
    expect(countOf(0, 'reader')).toBe('0 readers');
    expect(countOf(12_000, 'email')).toBe('12,000 emails');
  });

  it('groups a count as toLocaleString does, for every size and sign', () => {
    const counts = [0, 7, 999, 1000, 1001, 99_999, 100_000, 1_234_567, -1, -1000, -987_654_321];
    for (let n = 1; n < Number.MAX_SAFE_INTEGER / 10; n = n * 10 + (n % 7)) counts.push(n, n + 1);
    for (const count of counts) {
      expect(countOf(count, 'reader')).toBe(
        `${count.toLocaleString('en-US')} ${count === 1 ? 'reader' : 'readers'}`,
      );
    }
    expect(countOf(1.5, 'point')).toBe('1.5 points');
  });

  it('names the publisher once in the postal line', () => {
    expect(postalLine('Tidings', 'Tidings Media, 1 Example Street')).toBe('Tidings Media, 1 Example Street');
    expect(postalLine('Tidings', '1 Example Street, Springfield')).toBe(
      'Tidings, 1 Example Street, Springfield',
    );
  });

  it('writes the zone names readers know, not an offset', () => {
    const winter = '2026-11-30T12:00:00Z';
    const summer = '2026-07-01T12:00:00Z';
    expect(briefTime(winter, 'America/New_York')).toMatch(/ EST$/);
    expect(briefTime(summer, 'America/New_York')).toMatch(/ EDT$/);
    expect(briefTime(winter, 'Europe/Brussels')).toBe('Nov 30, 2026, 1:00 PM CET');
    expect(briefTime(summer, 'Europe/Brussels')).toMatch(/ CEST$/);
    expect(briefTime(winter, 'Africa/Lagos')).toMatch(/ WAT$/);
    expect(briefTime(winter, 'Asia/Riyadh')).toMatch(/ AST$/);
    expect(briefTime(winter, 'Asia/Shanghai')).toMatch(/ CST$/);
    expect(briefTime(winter, 'Asia/Singapore')).toBe('Nov 30, 2026, 8:00 PM SGT');
    expect(briefTime(winter, 'Pacific/Chatham')).toMatch(/ UTC\+13:45$/);
    for (const edition of digestConfig().editions) {
      expect(briefTime(winter, edition.timeZone)).not.toMatch(/GMT/);
    }
  });

  it('writes brief times by hand exactly as Intl writes them, in every zone and across offset changes', () => {
    const start = Date.UTC(2026, 0, 1);
    const instants = Array.from(
      { length: 2 * 366 },
      (_, i) => new Date(start + i * 12 * 3_600_000 + i * 137_000),
    );
    // The hours of the spring and autumn changes in Europe and North America, minute by minute.
    for (const change of [
      '2026-03-08T06:00:00Z',
      '2026-03-29T00:30:00Z',
      '2026-10-25T00:30:00Z',
      '2026-11-01T05:00:00Z',
    ]) {
      for (let minute = 0; minute < 150; minute += 7)
        instants.push(new Date(Date.parse(change) + minute * 60_000));
    }
    const named = (zone: string) =>
      [0, 181].some(
        (d) =>
          knownZoneName(zone, wallClockByIntl(instants[2 * d] as Date, zone).offsetMinutes) !== undefined,
      );
    let byHand = 0;
    for (const zone of [...Intl.supportedValuesOf('timeZone'), 'UTC']) {
      const sample = named(zone) ? instants : instants.filter((_, i) => i % 61 === 0);
      for (const at of sample) {
        const clock = wallClockByIntl(at, zone);
        if (knownZoneName(zone, clock.offsetMinutes) !== undefined) byHand++;
        expect(briefTime(at.toISOString(), zone), `${zone} at ${at.toISOString()}`).toBe(
          intlBriefTime(at, zone),
        );
      }
    }
    expect(byHand).toBeGreaterThan(40 * 700);
    expect(() => briefTime('not a time', 'Europe/Brussels')).toThrow(RangeError);
  });

  it('writes dates by hand exactly as Intl writes them', () => {
    const long = new Intl.DateTimeFormat('en-US', {
      timeZone: 'UTC',
      weekday: 'long',
      year: 'numeric',
      month: 'long',
      day: 'numeric',
    });
    for (let day = 0; day < 366 * 12; day++) {
      const date = new Date(Date.UTC(2020, 0, 1, 12) + day * 86_400_000);
      expect(writtenDate(date.toISOString().slice(0, 10))).toBe(long.format(date));
    }
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

describe("the issue's anatomy", () => {
  it('sets the lead apart and groups the rest under their topics, every brief anchored once', () => {
    const view = buildDigestView(digestInput());
    expect(view.lead).toBe(view.briefs[0]);
    const rest = view.sections.flatMap((s) => s.briefs);
    expect([view.lead, ...rest].map((b) => b.id)).toEqual(view.briefs.map((b) => b.id));
    for (const section of view.sections) {
      expect(section.briefs.every((b) => b.topic === section.topic)).toBe(true);
    }
    expect(new Set(view.sections.map((s) => s.topic)).size).toBe(view.sections.length);
    expect(view.briefs.map((b) => b.anchor)).toEqual(view.briefs.map((_, i) => `b${i + 1}`));
    expect(view.countLabel).toBe('12 briefs');
  });

  it('gives each brief a topic · region kicker and its news source when it has one', () => {
    const withSource = digestBrief({
      ...base,
      id: 'fed',
      region: 'Europe',
      updatedAt: '2026-11-30T10:00:00Z',
      source: { id: 'harbour', name: 'The Harbour Ledger' },
    });
    const without = digestBrief({ ...base, id: 'plain', updatedAt: '2026-11-30T09:00:00Z' });
    const [first, second] = buildDigestView(digestInput([withSource, without])).briefs;
    expect(first?.kicker).toBe('security · Europe');
    expect(first?.source).toBe('The Harbour Ledger');
    expect(second?.kicker).toBe('security');
    expect(second?.source).toBeUndefined();
    const text = digestText(buildDigestView(digestInput([withSource])));
    expect(text).toContain('· The Harbour Ledger');
  });

  it('drops an image that is not https on an https stage, saying why', () => {
    const brief = digestBrief({
      ...base,
      id: 'pic',
      updatedAt: '2026-11-30T10:00:00Z',
      image: { url: 'http://images.example/a.png', alt: 'A picture' },
    });
    const config = { ...digestConfig(), baseUrl: 'https://news.example' };
    const view = buildDigestView(digestInput([brief], config));
    expect(view.lead.image).toBeUndefined();
    expect(view.notes).toContain(
      'brief pic: image http://images.example/a.png left out: not https on a stage whose baseUrl is https',
    );
    const local = buildDigestView(digestInput([brief]));
    expect(local.lead.image).toEqual({
      url: 'http://images.example/a.png',
      alt: 'A picture',
      width: 552,
      height: 311,
    });
    expect(local.notes).toEqual([]);
  });

  it("puts the configured wordmark in the masthead with the sender's name as its alt text", () => {
    const wordmark = { url: 'https://assets.example/wordmark.png', width: 180, height: 40 };
    const view = buildDigestView(digestInput(twelveBriefs(), { ...digestConfig(), wordmark }));
    expect(view.wordmark).toEqual({ ...wordmark, alt: 'Tidings' });
    const { wordmark: _, ...without } = digestConfig();
    expect(buildDigestView(digestInput(twelveBriefs(), without)).wordmark).toBeUndefined();
    const onHttps = {
      ...digestConfig(),
      baseUrl: 'https://news.example',
      wordmark: { ...wordmark, url: 'http://a.example/w.png' },
    };
    const dropped = buildDigestView(digestInput(twelveBriefs(), onHttps));
    expect(dropped.wordmark).toBeUndefined();
    expect(dropped.notes).toEqual([
      'wordmark http://a.example/w.png left out: not https on a stage whose baseUrl is https',
    ]);
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
      if (brief.url) expect(flat).toContain(`Read more: ${brief.url}`);
    }
    expect(text).toContain(input.config.postalAddress.split(',')[0]);
    expect(text).toContain(`${SLOT_MARKERS.unsubscribeLabel}: ${SLOT_MARKERS.unsubscribeUrl}`);
    expect(text).not.toMatch(/<\/?[a-z][^>]*>/i);
  });

  it('keeps lines within 72 characters except a link alone on its line and slot lines', () => {
    const text = digestText(buildDigestView(digestInput()));
    const long = text
      .split('\n')
      .filter((l) => l.length > 72 && !l.includes('%%') && !/^\s*(Read more: )?https?:\/\/\S+$/.test(l));
    expect(long).toEqual([]);
  });

  it("lists the issue's headlines, numbered, before the first brief", () => {
    const view = buildDigestView(digestInput());
    const text = digestText(view);
    const contents = text.slice(
      text.indexOf('IN THIS ISSUE (12 BRIEFS)'),
      text.indexOf(view.lead.kicker.toUpperCase()),
    );
    view.briefs.forEach((brief, i) => {
      expect(contents.replace(/\s+/g, ' ')).toContain(`${i + 1}. ${brief.headline}`);
    });
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
      '<a href="http://127.0.0.1:3000/">Subscribe</a> This is the web edition of Tidings D.C. Subscribe to get it by email. Good morning.',
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
