import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoBriefStore } from '../../lambdas/adapters/dynamo-brief-store.js';
import { createFetchSource } from '../../lambdas/adapters/feeds/source.js';
import type { StoredBrief } from '../../lambdas/core/brief.js';
import type { SourceConfig } from '../../lambdas/core/config.js';
import { type IngestSummary, ingestSources } from '../../lambdas/core/ingest.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const NOW = new Date('2026-11-30T06:00:00Z');
const MAX_BYTES = 256 * 1024;

type Route = (req: IncomingMessage, res: ServerResponse) => void;

const rss = (items: string): string =>
  `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Harbour Desk</title><link>https://harbour.example/</link>${items}</channel></rss>`;
const item = (guid: string, title: string, date: string, text = 'Ships queued outside the port.'): string =>
  `<item><guid>${guid}</guid><title>${title}</title><link>https://harbour.example/${guid}</link><pubDate>${date}</pubDate><description>${text}</description></item>`;

/** A doc client that counts the writes it sends (puts, updates, deletes, batch writes). */
function countingDoc(doc: DynamoDBDocumentClient): { doc: DynamoDBDocumentClient; writes: () => number } {
  let writes = 0;
  const counting = Object.create(doc) as DynamoDBDocumentClient;
  counting.send = ((command: { constructor: { name: string } }, ...rest: unknown[]) => {
    if (/^(Put|Update|Delete|BatchWrite)/.test(command.constructor.name)) writes++;
    return (doc.send as (...args: unknown[]) => unknown)(command, ...rest);
  }) as DynamoDBDocumentClient['send'];
  return { doc: counting, writes: () => writes };
}

describe('ingest on the local stack', () => {
  let stack: TestStack;
  let server: Server;
  let base: string;
  const routes = new Map<string, Route>();
  let counter: ReturnType<typeof countingDoc>;
  let store: DynamoBriefStore;

  const serve = (path: string, body: string, headers: Record<string, string> = {}): void => {
    routes.set(path, (req, res) => {
      const etag = headers.etag;
      if (etag && req.headers['if-none-match'] === etag) {
        res.writeHead(304).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', ...headers }).end(body);
    });
  };

  const source = (id: string, path: string, extra: Partial<SourceConfig> = {}): SourceConfig => ({
    id,
    location: path.startsWith('/') ? `${base}${path}` : path,
    format: 'auto',
    editions: ['dc'],
    ...extra,
  });

  const ingest = (sources: SourceConfig[], now = NOW, timeoutMs = 2000): Promise<IngestSummary[]> =>
    ingestSources(sources, {
      fetchSource: createFetchSource({
        root: process.cwd(),
        ingest: { timeoutMs, maxBytes: MAX_BYTES, maxRedirects: 2 },
      }),
      store,
      clock: { now: () => now },
      config: stack.config,
    });

  const everything = async (): Promise<StoredBrief[]> => {
    const all: StoredBrief[] = [];
    for await (const b of store.listAll()) all.push(b);
    return all.sort((a, b) => a.id.localeCompare(b.id));
  };

  beforeAll(async () => {
    stack = await startTestStack();
    counter = countingDoc(stack.doc);
    store = new DynamoBriefStore(counter.doc, stack.tables.briefs);
    server = createServer((req, res) => {
      const route = routes.get(req.url ?? '/');
      if (route) route(req, res);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await stack.close();
  });

  describe('updates and duplicates', () => {
    it('stores the sample briefs and feeds, then writes nothing when they are ingested unchanged', async () => {
      serve(
        '/harbour.xml',
        rss(
          item('h1', 'Port fees', 'Sun, 29 Nov 2026 08:00:00 GMT') +
            item('h2', 'Dredging', 'Sun, 29 Nov 2026 09:00:00 GMT'),
        ),
        {
          etag: '"harbour-1"',
        },
      );
      serve('/plain.xml', rss(item('p1', 'Plain', 'Sun, 29 Nov 2026 07:00:00 GMT')));
      const sources = [
        ...stack.config.sources,
        source('harbour', '/harbour.xml'),
        source('plain', '/plain.xml'),
        source('corpus', 'tests/fixtures/feeds/rss2-guardian-us.xml'),
      ];
      const first = await ingest(sources);
      expect(first.every((s) => s.error === undefined)).toBe(true);
      expect(first.find((s) => s.source === 'harbour')).toMatchObject({ new: 2 });
      expect(first.find((s) => s.source === 'corpus')).toMatchObject({ new: 55, rejected: [] });

      const before = counter.writes();
      const second = await ingest(sources);
      expect(counter.writes()).toBe(before);
      expect(second.find((s) => s.source === 'harbour')).toMatchObject({ notModified: true });
      expect(second.find((s) => s.source === 'plain')).toMatchObject({ new: 0, updated: 0, unchanged: 1 });
      expect(second.find((s) => s.source === 'corpus')).toMatchObject({ new: 0, updated: 0, unchanged: 55 });
    });

    it('replaces a brief when its item is updated, in the edition listing too', async () => {
      serve('/desk.xml', rss(item('d1', 'Talks open', 'Sun, 29 Nov 2026 08:00:00 GMT')));
      await ingest([source('desk', '/desk.xml', { editions: ['sg'] })]);
      serve(
        '/desk.xml',
        rss(
          `<item><guid>d1</guid><title>Talks open, then stall</title><pubDate>Sun, 29 Nov 2026 08:00:00 GMT</pubDate><atom:updated xmlns:atom="http://www.w3.org/2005/Atom">2026-11-29T12:00:00Z</atom:updated><description>Updated text.</description></item>`,
        ),
      );
      const [summary] = await ingest([source('desk', '/desk.xml', { editions: ['sg'] })]);
      expect(summary).toMatchObject({ new: 0, updated: 1 });
      const { items } = await store.listByEdition('sg');
      expect(
        items
          .filter((b) => b.source?.id === 'desk')
          .map((b) => [b.headline, b.publishedAt, b.updatedAt, b.news]),
      ).toEqual([
        ['Talks open, then stall', '2026-11-29T08:00:00.000Z', '2026-11-29T12:00:00.000Z', ['Updated text.']],
      ]);
    });

    it('stores a story that appears twice in one feed once', async () => {
      serve(
        '/twice.xml',
        rss(
          item('t1', 'Once', 'Sun, 29 Nov 2026 08:00:00 GMT') +
            item('t1', 'Once', 'Sun, 29 Nov 2026 08:00:00 GMT'),
        ),
      );
      const [summary] = await ingest([source('twice', '/twice.xml', { editions: ['riyadh'] })]);
      expect(summary).toMatchObject({ fetched: 2, new: 1, duplicates: 1 });
      const listed = (await store.listByEdition('riyadh')).items.filter((b) => b.source?.id === 'twice');
      expect(listed).toHaveLength(1);
    });
  });

  describe('listing an edition', () => {
    it('lists by time window, newest first, paginated', async () => {
      const briefs = Array.from({ length: 7 }, (_, i) => ({
        id: `lagos-${i}`,
        headline: `Lagos story ${i}`,
        topic: 'markets',
        editions: ['lagos'],
        // Before the sample briefs, so a window can hold these alone.
        publishedAt: `2025-01-0${i + 1}T10:00:00Z`,
        updatedAt: `2025-01-0${i + 1}T10:00:00Z`,
        news: ['Text.'],
      }));
      serve('/lagos.json', JSON.stringify({ version: 1, briefs }));
      await ingest([source('lagos-desk', '/lagos.json', { editions: [] })]);

      const ids: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listByEdition('lagos', {
          until: '2025-12-31T00:00:00Z',
          limit: 3,
          ...(cursor ? { cursor } : {}),
        });
        ids.push(...page.items.map((b) => b.id));
        cursor = page.cursor;
        pages++;
      } while (cursor);
      expect(ids).toEqual(['lagos-6', 'lagos-5', 'lagos-4', 'lagos-3', 'lagos-2', 'lagos-1', 'lagos-0']);
      expect(pages).toBeGreaterThanOrEqual(3);

      // since is exclusive, until inclusive
      const window = await store.listByEdition('lagos', {
        since: '2025-01-03T10:00:00Z',
        until: '2025-01-06T10:00:00Z',
      });
      expect(window.items.map((b) => b.id)).toEqual(['lagos-5', 'lagos-4', 'lagos-3']);
      const since = await store.listByEdition('lagos', {
        since: '2025-01-06T10:00:00Z',
        until: '2025-12-31T00:00:00Z',
      });
      expect(since.items.map((b) => b.id)).toEqual(['lagos-6']);
      const until = await store.listByEdition('lagos', { until: '2025-01-02T10:00:00Z' });
      expect(until.items.map((b) => b.id)).toEqual(['lagos-1', 'lagos-0']);
    });
  });

  describe('hostile sources', () => {
    const cases: [string, Route | string, RegExp][] = [
      ['malformed XML', rss('<item><title>Open</item>'), /not well-formed XML at line 1/],
      [
        'entity expansion ("billion laughs")',
        `<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><rss><channel><title>&b;</title></channel></rss>`,
        /declares entities/,
      ],
      [
        'an external entity',
        `<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss><channel><title>&x;</title></channel></rss>`,
        /declares entities/,
      ],
      [
        'an HTML page instead of a feed',
        '<!DOCTYPE html><html><body><h1>Welcome</h1></body></html>',
        /an HTML page, not a feed/,
      ],
      [
        'an unknown encoding',
        '<?xml version="1.0" encoding="x-unknown-8"?><rss><channel><title>x</title></channel></rss>',
        /unsupported character encoding "x-unknown-8"/,
      ],
      [
        'a 50 MB response',
        (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/rss+xml' });
          const chunk = Buffer.alloc(64 * 1024, 0x20);
          let sent = 0;
          const pump = (): void => {
            while (sent < 50 * 1024 * 1024 && !res.destroyed) {
              sent += chunk.length;
              if (!res.write(chunk)) return void res.once('drain', pump);
            }
            res.end();
          };
          pump();
        },
        /larger than the 262144-byte limit/,
      ],
      ['a server that never answers', () => undefined, /no complete answer within 300 ms/],
    ];

    it.each(cases)(
      'reports %s with a reason, stores nothing and stops nothing else',
      async (name, body, reason) => {
        const path = `/hostile-${name.replace(/\W+/g, '-')}`;
        if (typeof body === 'string') routes.set(path, (_req, res) => res.writeHead(200).end(body));
        else routes.set(path, body);
        // Each case's good item reports its own event (the same text again would be one story).
        serve(
          '/good.xml',
          rss(item(`g-${path}`, `Good news ${path}`, 'Sun, 29 Nov 2026 08:00:00 GMT', `Report ${path}.`)),
        );
        const before = await everything();
        const writes = counter.writes();

        const [bad, good] = await ingest(
          [source('hostile', path), source('good', '/good.xml', { editions: ['bxl'] })],
          NOW,
          300,
        );
        expect(bad?.error).toMatch(reason);
        expect(bad).toMatchObject({ new: 0, updated: 0 });
        expect(good).toMatchObject({ new: 1 });
        const after = await everything();
        expect(after.filter((b) => !before.some((x) => x.id === b.id)).map((b) => b.source?.id)).toEqual([
          'good',
        ]);
        expect(after.filter((b) => before.some((x) => x.id === b.id))).toEqual(before);
        // The good brief and its one edition item, each one batch write, under a write intent put
        // before and deleted after.
        expect(counter.writes() - writes).toBe(4);
      },
    );

    it('rejects items with invalid or absurd dates by position and field, keeping the rest', async () => {
      serve(
        '/dates.xml',
        rss(
          item('ok', 'Fine', 'Sun, 29 Nov 2026 08:00:00 GMT') +
            item('bad', 'Unreadable', '32 Smarch 2026 25:61') +
            item('old', 'Ancient', 'Thu, 01 Jan 1970 00:00:00 GMT') +
            item('future', 'From the future', 'Fri, 01 Jan 2100 00:00:00 GMT'),
        ),
      );
      const [summary] = await ingest([source('dates', '/dates.xml', { editions: ['beijing'] })]);
      expect(summary?.new).toBe(1);
      expect(summary?.rejected).toEqual([
        {
          position: 2,
          field: 'publishedAt',
          reason: 'unreadable date "32 Smarch 2026 25:61" (neither RFC 822 nor ISO 8601)',
        },
        {
          position: 3,
          field: 'publishedAt',
          reason: expect.stringMatching(/1970-01-01T00:00:00.000Z is not a plausible date/),
        },
        {
          position: 4,
          field: 'publishedAt',
          reason: expect.stringMatching(/2100-01-01T00:00:00.000Z is not a plausible date/),
        },
      ]);
    });

    it('stores scripts and javascript: links as harmless text, or not at all', async () => {
      serve(
        '/scripts.xml',
        rss(
          `<item><guid>s1</guid><title>&lt;script&gt;alert(1)&lt;/script&gt;Headline</title><link>javascript:alert(document.cookie)</link><pubDate>Sun, 29 Nov 2026 08:00:00 GMT</pubDate><description><![CDATA[<p>Safe<script>steal()</script></p><p><a href="javascript:evil()">click</a> here</p><img src=x onerror=alert(1)>]]></description></item>`,
        ),
      );
      const [summary] = await ingest([source('scripts', '/scripts.xml', { editions: ['dc'] })]);
      expect(summary?.new).toBe(1);
      const stored = (await everything()).find((b) => b.source?.id === 'scripts');
      expect(stored?.news).toEqual(['Safe', 'click here']);
      expect(stored?.url).toBeUndefined();
      // RSS titles are plain text: the tag is kept as characters and rendered escaped, never run.
      expect(stored?.headline).toBe('<script>alert(1)</script>Headline');
    });

    it('reads a feed in a legacy encoding', async () => {
      routes.set('/latin1.xml', (_req, res) =>
        res
          .writeHead(200, { 'content-type': 'text/xml' })
          .end(
            Buffer.from(
              rss(
                item('l1', 'Inovação', 'Sun, 29 Nov 2026 08:00:00 GMT', 'Prémio de design para Évora.'),
              ).replace('utf-8', 'ISO-8859-1'),
              'latin1',
            ),
          ),
      );
      const [summary] = await ingest([source('latin1', '/latin1.xml')]);
      expect(summary?.new).toBe(1);
      expect((await everything()).find((b) => b.source?.id === 'latin1')?.headline).toBe('Inovação');
    });
  });
});
