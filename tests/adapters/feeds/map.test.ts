import { describe, expect, it } from 'vitest';
import { MAX_NEWS_PARAGRAPHS, mapDocument } from '../../../lambdas/adapters/feeds/map.js';
import { parseSourceDocument } from '../../../lambdas/adapters/feeds/parse.js';
import type { SourceConfig } from '../../../lambdas/core/config.js';

const source: SourceConfig = {
  id: 'desk',
  location: 'https://desk.example/feed.xml',
  format: 'auto',
  editions: ['dc'],
};

const rss = (items: string): string =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>The Desk</title><link>https://desk.example/</link>${items}</channel></rss>`;

function map(text: string, url = 'https://desk.example/feed.xml') {
  return mapDocument(parseSourceDocument(Buffer.from(text), { url }), source);
}

describe('mapDocument (feeds)', () => {
  it('makes a news-only brief: title as headline, description as paragraphs, item link, feed title as name', () => {
    const mapped = map(
      rss(`<item><title>Port fees talks</title><link>https://desk.example/ports</link><guid>p-1</guid>
      <pubDate>Sun, 29 Nov 2026 08:00:00 GMT</pubDate><description>&lt;p&gt;First.&lt;/p&gt;&lt;p&gt;Second.&lt;/p&gt;</description></item>`),
    );
    expect(mapped.title).toBe('The Desk');
    expect(mapped.rejected).toEqual([]);
    expect(mapped.candidates[0]?.input).toMatchObject({
      headline: 'Port fees talks',
      news: ['First.', 'Second.'],
      signals: [],
      url: 'https://desk.example/ports',
      publishedAt: '2026-11-29T08:00:00.000Z',
      updatedAt: '2026-11-29T08:00:00.000Z',
      topic: 'news',
    });
  });

  it('reduces HTML to safe text: no script, style or markup, entities decoded once, no control characters', () => {
    const html =
      '<p>Before<script>alert("x")</script> after</p><style>p{color:red}</style><p onclick="evil()">Tom &amp;amp; Jerry&nbsp;&lt;3 \u0007bell</p><iframe src="https://evil.example">frame text</iframe><ul><li>one</li><li>two</li></ul>';
    const mapped = map(
      rss(`<item><title>T</title><guid>g</guid><description><![CDATA[${html}]]></description></item>`),
    );
    expect(mapped.candidates[0]?.input.news).toEqual([
      'Before after',
      'Tom &amp; Jerry <3 bell',
      'one',
      'two',
    ]);
  });

  it('removes control characters from titles instead of rejecting the item', () => {
    const mapped = map(
      rss(
        '<item><title>Bell&#x7; and&#x85;tab&#x9;here</title><guid>g</guid><description>x</description></item>',
      ).replace('<title>The Desk</title>', '<title>The&#x1b; Desk</title>'),
    );
    expect(mapped.title).toBe('The Desk');
    expect(mapped.candidates[0]?.input.headline).toBe('Bell andtab here');
  });

  it('strips bidi controls from titles, which reach the Subject, and keeps them in paragraphs', () => {
    const mapped = map(
      rss(
        '<item><title>Invoice&#x202e;fdp.exe&#x2066; due</title><guid>g</guid><description>An &#x2067;isolated&#x2069; run</description></item>',
      ).replace('<title>The Desk</title>', '<title>The &#x202b;Desk</title>'),
    );
    expect(mapped.title).toBe('The Desk');
    expect(mapped.candidates[0]?.input.headline).toBe('Invoicefdp.exe due');
    expect(mapped.candidates[0]?.input.news).toEqual(['An \u2067isolated\u2069 run']);
  });

  it('drops links other than http(s), in the item and its image', () => {
    const mapped = map(
      rss(`<item><title>T</title><guid>g</guid><link>javascript:alert(1)</link><description>x</description>
      <enclosure url="data:image/png;base64,AAAA" type="image/png" length="4"/></item>`),
    );
    expect(mapped.candidates[0]?.input.url).toBeUndefined();
    expect(mapped.candidates[0]?.input.image).toBeUndefined();
  });

  it('resolves relative links against xml:base, else the feed URL', () => {
    const mapped = map(
      rss(`<item xml:base="https://cdn.example/news/"><title>A</title><link>a.html</link><description>x</description></item>
      <item><title>B</title><link>/b.html</link><description>x</description></item>`),
    );
    expect(mapped.candidates.map((c) => c.input.url)).toEqual([
      'https://cdn.example/news/a.html',
      'https://desk.example/b.html',
    ]);
  });

  it('gives items without a guid a stable id from the link, else the title and date', () => {
    const doc =
      rss(`<item><title>A</title><link>https://desk.example/a</link><description>x</description></item>
      <item><title>B</title><pubDate>Sun, 29 Nov 2026 08:00:00 GMT</pubDate><description>y</description></item>`);
    const first = map(doc).candidates.map((c) => c.input.id);
    const again = map(doc).candidates.map((c) => c.input.id);
    expect(first).toEqual(again);
    expect(first[0]).toMatch(/^desk:[0-9a-f]{24}$/);
    expect(first[0]).not.toBe(first[1]);
    const moved = map(doc.replace('https://desk.example/a', 'https://desk.example/a2')).candidates[0]?.input
      .id;
    expect(moved).not.toBe(first[0]);
  });

  it('rejects an item with an unreadable date, naming the field and the text', () => {
    const mapped = map(
      rss(
        '<item><title>T</title><guid>g</guid><pubDate>next Tuesday-ish</pubDate><description>x</description></item>',
      ),
    );
    expect(mapped.rejected).toEqual([
      {
        position: 1,
        field: 'publishedAt',
        reason: 'unreadable date "next Tuesday-ish" (neither RFC 822 nor ISO 8601)',
      },
    ]);
  });

  it('rejects items without a title or without any text', () => {
    const mapped = map(
      rss('<item><description>x</description></item><item><title>Only a title</title></item>'),
    );
    expect(mapped.rejected.map((r) => [r.position, r.field])).toEqual([
      [1, 'headline'],
      [2, 'news'],
    ]);
  });

  it('marks an item without dates as undated, for the core to date when first seen', () => {
    const mapped = map(rss('<item><title>T</title><guid>g</guid><description>x</description></item>'));
    expect(mapped.candidates[0]).toMatchObject({ undated: true });
    expect(mapped.candidates[0]?.input.publishedAt).toBeUndefined();
  });

  it('keeps "The News" short: a few paragraphs, each cut at a word boundary', () => {
    const long = Array.from({ length: 10 }, (_, i) => `<p>Paragraph ${i} ${'word '.repeat(400)}</p>`).join(
      '',
    );
    const mapped = map(
      rss(`<item><title>T</title><guid>g</guid><description><![CDATA[${long}]]></description></item>`),
    );
    const news = mapped.candidates[0]?.input.news as string[];
    expect(news).toHaveLength(MAX_NEWS_PARAGRAPHS);
    expect(news[0]?.length).toBeLessThanOrEqual(1200);
    expect(news[0]).toMatch(/word…$/);
  });

  it('uses an Atom entry updated date as updatedAt and reads HTML titles as text', () => {
    const atom = `<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><entry><id>urn:x</id>
      <title type="html">&lt;b&gt;Bold&lt;/b&gt; move</title><published>2026-11-28T10:00:00Z</published>
      <updated>2026-11-29T10:00:00Z</updated><summary>Short.</summary><link href="https://a.example/x"/></entry></feed>`;
    const input = map(atom).candidates[0]?.input;
    expect(input).toMatchObject({
      headline: 'Bold move',
      publishedAt: '2026-11-28T10:00:00.000Z',
      updatedAt: '2026-11-29T10:00:00.000Z',
    });
  });
});

describe('mapDocument (Tidings briefs JSON)', () => {
  it('passes briefs through and rejects entries that are not objects', () => {
    const mapped = map(JSON.stringify({ version: 1, briefs: [{ id: 'a' }, 'nope', null] }));
    expect(mapped.candidates).toEqual([{ position: 1, input: { id: 'a' } }]);
    expect(mapped.rejected.map((r) => r.position)).toEqual([2, 3]);
  });

  it('accepts a bare array', () => {
    expect(map('[{"id":"a"}]').candidates).toHaveLength(1);
  });
});
