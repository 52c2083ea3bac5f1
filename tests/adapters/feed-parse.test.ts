import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FeedItem, type ParsedFeed, parseSourceDocument } from '../../lambdas/adapters/feed-parse.js';

const dir = join(import.meta.dirname, '../fixtures/feeds');

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

describe('feed conformance corpus', () => {
  it.each(corpus)('$name', ({ feedFile, expected }) => {
    const feed = parseSourceDocument(readFileSync(join(dir, feedFile)), {
      url: expected.feedUrl,
    }) as ParsedFeed;
    expect(mismatches(feed, expected)).toEqual([]);
  });
});
