import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Brief, BriefSchema } from '../../../lambdas/core/brief.js';
import { parseConfig } from '../../../lambdas/core/config.js';
import { isValidEmail, normalizeEmail } from '../../../lambdas/core/subscriber.js';

/**
 * The bundled sample content (what `npm start` shows a newcomer) and the brief fixtures other
 * tests and benchmarks lean on. If a fixture drifts from what it claims to be, the tests built on
 * it stop proving anything, so its shape is checked here.
 */

const root = new URL('../../../', import.meta.url);
const readJson = (path: string): unknown => JSON.parse(readFileSync(new URL(path, root), 'utf8'));

interface BriefsDocument {
  version: number;
  briefs: unknown[];
}

function readBriefsDocument(path: string): BriefsDocument {
  const doc = readJson(path) as BriefsDocument;
  // The "Tidings briefs JSON" envelope: exactly a version and a list.
  expect(Object.keys(doc).sort()).toEqual(['briefs', 'version']);
  expect(doc.version).toBe(1);
  expect(Array.isArray(doc.briefs)).toBe(true);
  return doc;
}

function parseAll(raw: unknown[]): Brief[] {
  return raw.map((item, index) => {
    const result = BriefSchema.safeParse(item);
    if (!result.success) {
      const id = (item as { id?: unknown }).id;
      throw new Error(`brief ${index} (${String(id)}) is invalid: ${result.error.message}`);
    }
    return result.data;
  });
}

const words = (text: string): number => text.split(/\s+/).filter(Boolean).length;
const newsWords = (brief: Brief): number => brief.news.reduce((sum, paragraph) => sum + words(paragraph), 0);

const cdk = readJson('cdk.json') as { context: { tidings: unknown } };
const editionIds = parseConfig(cdk.context.tidings).editions.map((edition) => edition.id);

describe('sample briefs (samples/briefs.json)', () => {
  const raw = readBriefsDocument('samples/briefs.json').briefs;
  const briefs = parseAll(raw);

  it('holds 18 to 24 briefs with unique ids', () => {
    expect(briefs.length).toBeGreaterThanOrEqual(18);
    expect(briefs.length).toBeLessThanOrEqual(24);
    expect(new Set(briefs.map((b) => b.id)).size).toBe(briefs.length);
  });

  it('gives every configured edition at least three briefs and names no other edition', () => {
    for (const edition of editionIds) {
      expect(briefs.filter((b) => b.editions.includes(edition)).length, edition).toBeGreaterThanOrEqual(3);
    }
    for (const brief of briefs) {
      for (const edition of brief.editions) expect(editionIds, brief.id).toContain(edition);
    }
    expect(briefs.some((b) => b.editions.length >= 2)).toBe(true);
  });

  it('varies topics and regions', () => {
    expect(new Set(briefs.map((b) => b.topic)).size).toBeGreaterThanOrEqual(6);
    expect(new Set(briefs.map((b) => b.region)).size).toBeGreaterThanOrEqual(4);
  });

  it('keeps each brief in the seed shape: 60-120 words of news, 1-3 signals of 40-80 words', () => {
    for (const brief of briefs) {
      expect(brief.news.length, brief.id).toBeGreaterThanOrEqual(1);
      expect(brief.news.length, brief.id).toBeLessThanOrEqual(3);
      expect(newsWords(brief), brief.id).toBeGreaterThanOrEqual(60);
      expect(newsWords(brief), brief.id).toBeLessThanOrEqual(120);
      expect(brief.signals.length, brief.id).toBeGreaterThanOrEqual(1);
      expect(brief.signals.length, brief.id).toBeLessThanOrEqual(3);
      for (const signal of brief.signals) {
        expect(words(signal.body), `${brief.id}: ${signal.headline}`).toBeGreaterThanOrEqual(40);
        expect(words(signal.body), `${brief.id}: ${signal.headline}`).toBeLessThanOrEqual(80);
      }
    }
  });

  it('dates every brief in late November 2026, never updated before it was published', () => {
    for (const brief of briefs) {
      expect(brief.publishedAt >= '2026-11-20T00:00:00.000Z', brief.id).toBe(true);
      expect(brief.updatedAt < '2026-12-01T00:00:00.000Z', brief.id).toBe(true);
      expect(Date.parse(brief.updatedAt), brief.id).toBeGreaterThanOrEqual(Date.parse(brief.publishedAt));
    }
    expect(briefs.some((b) => b.updatedAt > b.publishedAt)).toBe(true);
  });

  it('links only to the project’s own example hosts, with images on some briefs that the local API serves', () => {
    for (const brief of briefs) {
      expect(brief.url, brief.id).toMatch(/^https:\/\/tidings\.example\//);
      if (!brief.image) continue;
      // The sample pictures ship in samples/images/, served by the local API (cli/local/api-server.ts).
      const name = /^http:\/\/127\.0\.0\.1:3000\/samples\/images\/([a-z0-9-]+\.jpg)$/.exec(
        brief.image.url,
      )?.[1];
      expect(name, `${brief.id}: ${brief.image.url}`).toBeDefined();
      expect(existsSync(new URL(`samples/images/${name}`, root)), brief.image.url).toBe(true);
    }
    const withImage = briefs.filter((b) => b.image).length;
    expect(withImage).toBeGreaterThan(0);
    expect(withImage).toBeLessThan(briefs.length);
  });

  it('names sources on every signal, with https urls where given', () => {
    for (const brief of briefs) {
      for (const signal of brief.signals) {
        for (const source of signal.sources) {
          if (source.url !== undefined) expect(source.url, brief.id).toMatch(/^https:\/\//);
        }
      }
    }
  });
});

describe('sample subscribers (samples/subscribers.json)', () => {
  const doc = readJson('samples/subscribers.json') as {
    subscribers: Array<{ email: string; name?: string; editions: string[] }>;
  };
  const subscribers = doc.subscribers;

  it('lists 8 to 12 readers with valid, normalised, unique example addresses', () => {
    expect(subscribers.length).toBeGreaterThanOrEqual(8);
    expect(subscribers.length).toBeLessThanOrEqual(12);
    for (const subscriber of subscribers) {
      expect(subscriber.email).toBe(normalizeEmail(subscriber.email));
      expect(isValidEmail(subscriber.email), subscriber.email).toBe(true);
      expect(subscriber.email).toMatch(/@example\.(com|org)$/);
    }
    expect(new Set(subscribers.map((s) => s.email)).size).toBe(subscribers.length);
  });

  it('covers every configured edition, only configured editions, some readers taking several', () => {
    const read = new Set(subscribers.flatMap((s) => s.editions));
    expect([...read].sort()).toEqual([...editionIds].sort());
    for (const subscriber of subscribers) {
      expect(subscriber.editions.length, subscriber.email).toBeGreaterThan(0);
      expect(new Set(subscriber.editions).size, subscriber.email).toBe(subscriber.editions.length);
    }
    expect(subscribers.some((s) => s.editions.length >= 2)).toBe(true);
  });
});

describe('twelve-brief size fixture (tests/fixtures/briefs/twelve-briefs.json)', () => {
  const briefs = parseAll(readBriefsDocument('tests/fixtures/briefs/twelve-briefs.json').briefs);

  it('holds exactly 12 dc briefs with unique ids, each with exactly three signals', () => {
    expect(briefs).toHaveLength(12);
    expect(new Set(briefs.map((b) => b.id)).size).toBe(12);
    for (const brief of briefs) {
      expect(brief.editions, brief.id).toEqual(['dc']);
      expect(brief.signals, brief.id).toHaveLength(3);
    }
  });

  it('carries about 120 words of news in 2-3 paragraphs and about 80 words per signal', () => {
    for (const brief of briefs) {
      expect(brief.news.length, brief.id).toBeGreaterThanOrEqual(2);
      expect(brief.news.length, brief.id).toBeLessThanOrEqual(3);
      expect(newsWords(brief), brief.id).toBeGreaterThanOrEqual(105);
      expect(newsWords(brief), brief.id).toBeLessThanOrEqual(140);
      for (const signal of brief.signals) {
        expect(words(signal.body), `${brief.id}: ${signal.headline}`).toBeGreaterThanOrEqual(70);
        expect(words(signal.body), `${brief.id}: ${signal.headline}`).toBeLessThanOrEqual(95);
        expect(signal.sources.length).toBeGreaterThanOrEqual(1);
        expect(signal.sources.length).toBeLessThanOrEqual(3);
      }
    }
    // The size bar only means something if the fixture is at least as heavy as promised.
    const total = briefs.reduce((sum, b) => sum + newsWords(b), 0);
    expect(total / briefs.length).toBeGreaterThanOrEqual(115);
    const signalWords = briefs.flatMap((b) => b.signals.map((s) => words(s.body)));
    expect(signalWords.reduce((a, b) => a + b, 0) / signalWords.length).toBeGreaterThanOrEqual(80);
  });

  it('puts an image on about half of the briefs', () => {
    const withImage = briefs.filter((b) => b.image).length;
    expect(withImage).toBeGreaterThanOrEqual(5);
    expect(withImage).toBeLessThanOrEqual(7);
  });
});

describe('hostile brief fixture (tests/fixtures/briefs/hostile-briefs.json)', () => {
  const raw = readBriefsDocument('tests/fixtures/briefs/hostile-briefs.json').briefs;
  const briefs = parseAll(raw);
  const text = (brief: Brief): string =>
    [
      brief.headline,
      brief.dek ?? '',
      brief.image?.alt ?? '',
      brief.image?.credit ?? '',
      ...brief.news,
      ...brief.signals.flatMap((s) => [s.headline, s.body, ...s.sources.map((source) => source.name)]),
    ].join('\n');
  const all = briefs.map(text).join('\n');

  it('is accepted by the schema, ids unique, so the attack reaches the renderer', () => {
    expect(briefs.length).toBeGreaterThanOrEqual(8);
    expect(new Set(briefs.map((b) => b.id)).size).toBe(briefs.length);
  });

  it('keeps its payloads intact through parsing (the schema treats them as text, not as errors)', () => {
    for (const payload of [
      '<script>alert(1)</script>',
      '<img src=x onerror=alert(1)>',
      'javascript:alert(1)',
      '{{ 7*7 }}',
      '{% raw %}',
      "{% include 'x' %}",
      '<mj-raw>',
      '</mj-text>',
      '&amp;',
      '&lt;script&gt;',
      '\u202e',
      '\u2028',
      '👨‍👩‍👧‍👦',
    ]) {
      expect(all, payload).toContain(payload);
    }
    expect(all).toMatch(/[\u0590-\u05ff]/); // Hebrew
    expect(all).toMatch(/[\u0600-\u06ff]/); // Arabic
    expect(all).toMatch(/\S{1000,}/); // a word no layout can wrap
  });

  it('includes briefs at the schema maxima (10 signals of 10 sources, 20 paragraphs)', () => {
    expect(
      briefs.some((b) => b.signals.length === 10 && b.signals.every((s) => s.sources.length === 10)),
    ).toBe(true);
    expect(briefs.some((b) => b.news.length === 20)).toBe(true);
  });
});

describe('invalid brief cases (tests/fixtures/briefs/invalid-briefs.json)', () => {
  const cases = readJson('tests/fixtures/briefs/invalid-briefs.json') as Array<{
    why: string;
    field: string;
    brief: unknown;
  }>;

  it('has a reason and a field for every case', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    for (const c of cases) {
      expect(c.why.length).toBeGreaterThan(0);
      expect(c.field.length).toBeGreaterThan(0);
    }
  });

  it.each(cases.map((c) => [c.why, c] as const))('rejects %s, on that field alone', (_why, c) => {
    const result = BriefSchema.safeParse(c.brief);
    expect(result.success).toBe(false);
    if (result.success) return;
    // An unknown key is reported on its parent with the key listed; name it by its full path.
    const fields = result.error.issues.flatMap((issue) => {
      const keys = 'keys' in issue && Array.isArray(issue.keys) ? issue.keys : [];
      const path = issue.path.map(String);
      return keys.length > 0 ? keys.map((key: string) => [...path, key].join('.')) : [path.join('.')];
    });
    // Every issue must be on the named field: otherwise the case is failing for another reason.
    expect(new Set(fields)).toEqual(new Set([c.field]));
  });
});
