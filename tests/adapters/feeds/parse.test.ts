import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapDocument } from '../../../lambdas/adapters/feeds/map.js';
import {
  type FeedItem,
  type ParsedFeed,
  parseSourceDocument,
} from '../../../lambdas/adapters/feeds/parse.js';

const dir = join(import.meta.dirname, '../../fixtures/feeds');

interface Expectation {
  format: string;
  title: string | null;
  itemCount: number;
  items: Record<'title' | 'link' | 'id' | 'published' | 'updated' | 'author', string | null>[];
  feedUrl?: string;
  alsoAccept?: Record<string, unknown[]>;
  edgeCases?: string[];
}

const norm = (s: string | null | undefined): string | null =>
  s == null ? null : s.replace(/\s+/g, ' ').trim() || null;
const sameInstant = (a: string | null, b: string | null): boolean =>
  a === null || b === null ? a === b : Date.parse(a) === Date.parse(b);
const sameLink = (a: string | null, b: string | null): boolean =>
  a === null || b === null ? a === b : new URL(a).href === new URL(b).href;

const corpus = readdirSync(dir)
  .filter((f) => f.endsWith('.expected.json'))
  .map((f) => {
    const name = f.replace('.expected.json', '');
    const feedFile = readdirSync(dir).find((g) => g.startsWith(`${name}.`) && !g.endsWith('.expected.json'));
    return {
      name,
      feedFile: feedFile ?? '',
      expected: JSON.parse(readFileSync(join(dir, f), 'utf8')) as Expectation,
    };
  });

function mismatches(feed: ParsedFeed, exp: Expectation): string[] {
  const out: string[] = [];
  const accept = (path: string, value: unknown): boolean =>
    (exp.alsoAccept?.[path] ?? []).some((v) => JSON.stringify(v) === JSON.stringify(value));
  const check = (path: string, pass: boolean, value: unknown, expected: unknown): void => {
    if (!pass && !accept(path, value))
      out.push(`${path}: got ${JSON.stringify(value)}, expected ${JSON.stringify(expected)}`);
  };
  check('format', feed.format === exp.format, feed.format, exp.format);
  check('title', norm(feed.title) === exp.title, norm(feed.title), exp.title);
  check('itemCount', feed.items.length === exp.itemCount, feed.items.length, exp.itemCount);
  exp.items.forEach((e, i) => {
    const got = feed.items[i] as FeedItem | undefined;
    const p = (f: string): string => `items[${i}].${f}`;
    check(p('title'), norm(got?.title) === e.title, norm(got?.title), e.title);
    check(p('link'), sameLink(got?.link ?? null, e.link), got?.link ?? null, e.link);
    check(p('id'), norm(got?.id) === e.id, norm(got?.id), e.id);
    check(p('author'), norm(got?.author) === e.author, norm(got?.author), e.author);
    check(
      p('published'),
      sameInstant(got?.published ?? null, e.published),
      got?.published ?? null,
      e.published,
    );
    check(p('updated'), sameInstant(got?.updated ?? null, e.updated), got?.updated ?? null, e.updated);
  });
  return out;
}

/** The same expectations, one step further: the briefs the Tidings source adapter makes of the items. */
function briefMismatches(feed: ParsedFeed, exp: Expectation): string[] {
  const source = { id: 'corpus', location: 'x', format: 'auto' as const, editions: ['dc'] };
  const mapped = mapDocument(feed, source);
  const out: string[] = [];
  if (mapped.candidates.length + mapped.rejected.length !== exp.itemCount) out.push('items lost in mapping');
  exp.items.forEach((e, i) => {
    const candidate = mapped.candidates.find((c) => c.position === i + 1);
    const rejection = mapped.rejected.find((r) => r.position === i + 1);
    if (rejection) {
      if (!rejection.field || !rejection.reason) out.push(`items[${i}]: rejection without field or reason`);
      return;
    }
    const input = candidate?.input ?? {};
    const title = exp.alsoAccept?.[`items[${i}].title`] ? null : e.title;
    if (title !== null && input.headline !== title.slice(0, 300) && !String(input.headline).endsWith('…')) {
      out.push(`items[${i}].headline: ${JSON.stringify(input.headline)} vs ${JSON.stringify(title)}`);
    }
    const link = e.link && /^https?:/.test(e.link) ? new URL(e.link).href : undefined;
    if (!exp.alsoAccept?.[`items[${i}].link`] && input.url !== link)
      out.push(`items[${i}].url: ${String(input.url)} vs ${link}`);
    const published = e.published ?? e.updated;
    if (
      published &&
      !exp.alsoAccept?.[`items[${i}].published`] &&
      Date.parse(String(input.publishedAt)) !== Date.parse(published)
    ) {
      out.push(`items[${i}].publishedAt: ${String(input.publishedAt)} vs ${published}`);
    }
  });
  return out;
}

describe('feed conformance corpus', () => {
  it.each(corpus)('$name', ({ feedFile, expected }) => {
    const feed = parseSourceDocument(readFileSync(join(dir, feedFile)), {
      url: expected.feedUrl,
    }) as ParsedFeed;
    expect(mismatches(feed, expected)).toEqual([]);
    expect(briefMismatches(feed, expected)).toEqual([]);
  });
});

const parse = (text: string | Uint8Array, options: Parameters<typeof parseSourceDocument>[1] = {}) =>
  parseSourceDocument(typeof text === 'string' ? Buffer.from(text) : text, options);
const rss = (items: string, head = '<?xml version="1.0" encoding="utf-8"?>'): string =>
  `${head}<rss version="2.0"><channel><title>Desk</title><link>https://desk.example/</link>${items}</channel></rss>`;

describe('the three corpus files that are not well-formed XML', () => {
  // Tidings reads them leniently, as the corpus expectations assume: the corpus test above checks
  // their fields; these tests pin down what the leniency is.
  it('rss2-db-engines-undefined-entity: reads &nbsp; without a DTD as the HTML entity', () => {
    const feed = parse(readFileSync(join(dir, 'rss2-db-engines-undefined-entity.xml'))) as ParsedFeed;
    expect(feed.items[0]?.summary?.value).toContain('our\u00a0DB-Engines Ranking');
  });

  it.each(['rss2-swr-podcast-leading-whitespace.xml', 'atom-ebm-papst-leading-whitespace.xml'])(
    '%s: tolerates whitespace before the XML declaration',
    (file) => {
      const bytes = readFileSync(join(dir, file));
      expect(bytes[0]).toBe(0x0a);
      expect((parse(bytes) as ParsedFeed).items).toHaveLength(1);
    },
  );

  it('still rejects other markup errors, naming line and column', () => {
    expect(() => parse('<rss version="2.0">\n<channel><title>x</channel></rss>')).toThrow(
      /not well-formed XML at line 2, column \d+: Expected closing tag 'title'/,
    );
  });
});

describe('hostile documents', () => {
  it('refuses entity declarations ("billion laughs") before expanding anything', () => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from(
      { length: 9 },
      (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`,
    ).join('')}]><rss><channel><title>&lol9;</title></channel></rss>`;
    expect(() => parse(laughs)).toThrow(/declares entities in its DOCTYPE; entity declarations are refused/);
  });

  it('refuses external entities (no file or network read)', () => {
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><rss><channel><title>&xxe;</title></channel></rss>';
    expect(() => parse(xxe)).toThrow(/declares entities/);
  });

  it('accepts a DOCTYPE without entity declarations (RSS 0.91)', () => {
    const doc =
      '<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel><title>Old</title></channel></rss>';
    expect((parse(doc) as ParsedFeed).title).toBe('Old');
  });

  it('decodes entities exactly once', () => {
    const feed = parse(
      rss('<item><title>A &amp;lt;b&amp;gt; &amp;amp; &#233;&#x4e2d; &hellip;</title></item>'),
    ) as ParsedFeed;
    expect(feed.items[0]?.title).toBe('A &lt;b&gt; &amp; é中 …');
  });

  it.each([
    [
      'an HTML page with a doctype',
      '<!DOCTYPE html><html><head><title>Home</title></head><body><p>Hi<br></body></html>',
    ],
    ['an HTML page without one', '<!-- cms --><html lang="en"><body>Not a feed</body></html>'],
  ])('rejects %s as not a feed', (_name, html) => {
    expect(() => parse(html)).toThrow(/an HTML page, not a feed/);
  });

  it.each([
    ['an empty document', '   ', /the document is empty/],
    ['plain text', 'hello world', /neither XML nor JSON/],
    ['an unknown root element', '<?xml version="1.0"?><catalog/>', /unknown root element <catalog>/],
    ['RSS without a channel', '<rss version="2.0"/>', /without a <channel>/],
    ['broken JSON', '{"version": 1, "briefs": [', /not valid JSON/],
    ['JSON of another kind', '{"hello": "world"}', /neither Tidings briefs/],
    ['a future Tidings version', '{"version": 2, "briefs": []}', /unsupported Tidings briefs version 2/],
    [
      'a JSON Feed without items',
      '{"version": "https://jsonfeed.org/version/1.1", "title": "x"}',
      /without an "items" array/,
    ],
  ])('rejects %s with a reason', (_name, text, reason) => {
    expect(() => parse(text)).toThrow(reason);
  });

  it('rejects nesting deeper than any feed needs', () => {
    const deep = rss(
      `<item><title>t</title><description>${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</description></item>`,
    );
    expect(() => parse(deep)).toThrow(/cannot parse the XML: Maximum nested tags exceeded/);
  });

  it('rejects a document of another format than the one configured', () => {
    expect(() => parse(rss(''), { format: 'atom' })).toThrow(
      /expected the atom format, but the document is rss/,
    );
  });
});

describe('encodings', () => {
  const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');

  it('honours the XML declaration', () => {
    const feed = parse(
      latin1(rss('<item><title>Notícias</title></item>', '<?xml version="1.0" encoding="ISO-8859-1"?>')),
    );
    expect((feed as ParsedFeed).items[0]?.title).toBe('Notícias');
  });

  it('honours the HTTP charset when the document declares none', () => {
    const bytes = Buffer.from([
      ...Buffer.from('<rss><channel><title>'),
      0xcd,
      0xee,
      0xe2,
      ...Buffer.from('</title></channel></rss>'),
    ]);
    expect(
      (parse(bytes, { contentType: 'application/rss+xml; charset=windows-1251' }) as ParsedFeed).title,
    ).toBe('Нов');
  });

  it('honours a UTF-16 byte order mark', () => {
    const text = rss('<item><title>Grüße</title></item>', '<?xml version="1.0" encoding="UTF-16"?>');
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    expect((parse(bytes) as ParsedFeed).items[0]?.title).toBe('Grüße');
  });

  it.each([
    ['no declaration at all', ''],
    ['a wrong UTF-8 declaration', '<?xml version="1.0" encoding="UTF-8"?>'],
  ])('reads Latin-1 bytes behind %s as windows-1252 instead of mojibake', (_name, head) => {
    expect(
      (parse(latin1(rss('<item><title>Coração</title></item>', head))) as ParsedFeed).items[0]?.title,
    ).toBe('Coração');
  });

  it.each([
    // Bytes of "新闻" (news) and friends in each legacy encoding, as a browser reads them.
    ['Shift_JIS', [0x83, 0x6a, 0x83, 0x85, 0x81, 0x5b, 0x83, 0x58], 'ニュース'],
    ['GB2312', [0xd0, 0xc2, 0xce, 0xc5], '新闻'],
    ['Big5', [0xb7, 0x73, 0xbb, 0x44], '新聞'],
    ['EUC-KR', [0xb4, 0xba, 0xbd, 0xba], '뉴스'],
    ['KOI8-R', [0xce, 0xcf, 0xd7, 0xcf, 0xd3, 0xd4, 0xc9], 'новости'],
    ['ISO-8859-7', [0xe5, 0xe9, 0xe4, 0xde, 0xf3, 0xe5, 0xe9, 0xf2], 'ειδήσεις'],
  ])('decodes a feed declared %s', (label, title, expected) => {
    const bytes = Buffer.concat([
      Buffer.from(`<?xml version="1.0" encoding="${label}"?><rss><channel><title>`),
      Buffer.from(title),
      Buffer.from('</title></channel></rss>'),
    ]);
    expect((parse(bytes) as ParsedFeed).title).toBe(expected);
  });

  it.each(['ISO-2022-KR', 'HZ-GB-2312', 'UTF-7'])(
    'rejects %s, which the encoding standard retires, with its name',
    (label) => {
      expect(() => parse(rss('', `<?xml version="1.0" encoding="${label}"?>`))).toThrow(
        `unsupported character encoding "${label.toLowerCase()}"`,
      );
    },
  );

  it('rejects an encoding it does not know', () => {
    expect(() => parse(rss('', '<?xml version="1.0" encoding="x-klingon"?>'))).toThrow(
      /unsupported character encoding "x-klingon"/,
    );
  });
});

describe('DOCTYPE handling', () => {
  it('refuses an internal DTD subset even without entity declarations', () => {
    const doc =
      '<?xml version="1.0"?><!DOCTYPE rss [<!ATTLIST rss v CDATA "]">]><rss><channel><title>x</title></channel></rss>';
    expect(() => parse(doc)).toThrow(/internal DTD subset/);
  });

  it('reads a DOCTYPE quoted inside an item as text', () => {
    const doc = rss(
      '<item><title>XML tips</title><description><![CDATA[Write <!DOCTYPE x [<!ENTITY a "b">]> with care]]></description></item>',
    );
    expect((parse(doc) as ParsedFeed).items[0]?.summary?.value).toContain('<!ENTITY a "b">');
  });
});
