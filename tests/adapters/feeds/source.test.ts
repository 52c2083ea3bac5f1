import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFetchSource, sourceConfigHash } from '../../../lambdas/adapters/feeds/source.js';
import type { SourceConfig } from '../../../lambdas/core/config.js';

const FEED =
  '<?xml version="1.0"?><rss version="2.0"><channel><title>Desk</title><item><guid>a</guid><title>A</title><description>x</description></item></channel></rss>';

describe('createFetchSource', () => {
  let server: Server;
  let source: SourceConfig;
  const seen: (string | undefined)[] = [];
  const fetchSource = createFetchSource({
    root: process.cwd(),
    ingest: { timeoutMs: 1000, maxBytes: 64 * 1024, maxRedirects: 1 },
  });

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers['if-none-match']);
      if (req.headers['if-none-match'] === '"v1"') res.writeHead(304).end();
      else res.writeHead(200, { etag: '"v1"', 'content-type': 'application/rss+xml' }).end(FEED);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    source = {
      id: 'desk',
      location: `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed.xml`,
      format: 'auto',
      editions: ['dc'],
    };
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('maps a fetched feed and returns the validators with the settings they belong to', async () => {
    const result = await fetchSource(source, undefined);
    expect(result).toMatchObject({
      status: 'fetched',
      title: 'Desk',
      rejected: [],
      state: { etag: '"v1"', configHash: sourceConfigHash(source) },
    });
  });

  it('asks conditionally while the settings are unchanged, and in full after they change', async () => {
    seen.length = 0;
    const state = { etag: '"v1"', configHash: sourceConfigHash(source) };
    expect(await fetchSource(source, state)).toEqual({ status: 'not-modified' });
    const changed = { ...source, editions: ['dc', 'sg'] };
    expect((await fetchSource(changed, state)).status).toBe('fetched');
    expect(seen).toEqual(['"v1"', undefined]);
  });

  it('keeps no validators for local files', async () => {
    const result = await fetchSource(
      {
        id: 'file',
        location: 'tests/fixtures/feeds/rss2-kernel-org-releases.xml',
        format: 'rss',
        editions: [],
      },
      undefined,
    );
    expect(result.status === 'fetched' && result.state).toBeUndefined();
  });
});
