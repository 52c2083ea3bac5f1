import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeedFetchError, FeedTooLargeError, fetchDocument } from '../../../lambdas/adapters/feeds/fetch.js';

const CHUNK = 64 * 1024;
const MAX_BYTES = 256 * 1024;
const FEED = '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>';

type Route = (req: IncomingMessage, res: ServerResponse) => void;

describe('fetchDocument', () => {
  let server: Server;
  let base: string;
  let dir: string;
  let streamed = 0;
  const routes = new Map<string, Route>();
  const limits = { timeoutMs: 1000, maxBytes: MAX_BYTES, maxRedirects: 2 };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidings-fetch-'));
    server = createServer((req, res) => {
      const route = routes.get(new URL(req.url ?? '/', 'http://x').pathname);
      if (route) route(req, res);
      else res.writeHead(404).end('not here');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    routes.set('/feed', (req, res) => {
      if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304).end();
        return;
      }
      res.writeHead(200, {
        'content-type': 'application/rss+xml',
        etag: '"v1"',
        'last-modified': 'Sun, 29 Nov 2026 10:00:00 GMT',
      });
      res.end(FEED);
    });
    // Streams chunk after chunk until the client goes away (50 MB and more), without a Content-Length.
    routes.set('/endless', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      const chunk = Buffer.alloc(CHUNK, 0x61);
      const pump = (): void => {
        while (streamed < 50 * 1024 * 1024 && !res.destroyed) {
          streamed += CHUNK;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    routes.set('/declared-huge', (_req, res) => {
      res.writeHead(200, { 'content-length': String(50 * 1024 * 1024) });
      res.write('<rss>');
    });
    routes.set('/silent', () => {
      // never answers
    });
    routes.set('/slow-body', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      res.write('<rss>');
    });
    routes.set('/hop1', (_req, res) => res.writeHead(302, { location: '/hop2' }).end());
    routes.set('/hop2', (_req, res) => res.writeHead(301, { location: `${base}/feed` }).end());
    routes.set('/loop', (_req, res) => res.writeHead(302, { location: '/loop' }).end());
    routes.set('/to-file', (_req, res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end());
    routes.set('/broken', (_req, res) => res.writeHead(500).end('oops'));
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('fetches a feed with its content type and validators', async () => {
    const doc = await fetchDocument(`${base}/feed`, { root: dir, ...limits });
    expect(doc.notModified).toBe(false);
    if (doc.notModified) return;
    expect(Buffer.from(doc.bytes).toString()).toBe(FEED);
    expect(doc).toMatchObject({ contentType: 'application/rss+xml', etag: '"v1"', url: `${base}/feed` });
  });

  it('sends the validators and reports "not modified"', async () => {
    const doc = await fetchDocument(`${base}/feed`, { root: dir, ...limits, etag: '"v1"' });
    expect(doc).toEqual({ notModified: true });
  });

  it('stops reading a body that never ends after the cap plus one chunk', async () => {
    streamed = 0;
    const error = await fetchDocument(`${base}/endless`, { root: dir, ...limits }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FeedTooLargeError);
    const { bytesRead, message } = error as FeedTooLargeError;
    expect(bytesRead).toBeGreaterThan(MAX_BYTES);
    expect(bytesRead).toBeLessThanOrEqual(MAX_BYTES + CHUNK);
    expect(message).toMatch(/larger than the 262144-byte limit/);
    // The server was cut off long before its 50 MB.
    expect(streamed).toBeLessThan(10 * 1024 * 1024);
  });

  it('refuses a body whose declared length is over the cap without reading it', async () => {
    const error = await fetchDocument(`${base}/declared-huge`, { root: dir, ...limits }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FeedTooLargeError);
    expect((error as FeedTooLargeError).bytesRead).toBe(0);
  });

  it('gives up on a server that never answers', async () => {
    const error = await fetchDocument(`${base}/silent`, { root: dir, ...limits, timeoutMs: 200 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FeedFetchError);
    expect((error as Error).message).toMatch(/no complete answer within 200 ms/);
  });

  it('gives up on a body that stalls', async () => {
    const error = await fetchDocument(`${base}/slow-body`, { root: dir, ...limits, timeoutMs: 200 }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toMatch(/no complete answer within 200 ms/);
  });

  it('follows a bounded number of redirects', async () => {
    const doc = await fetchDocument(`${base}/hop1`, { root: dir, ...limits });
    expect(doc.notModified === false && doc.url).toBe(`${base}/feed`);
    await expect(fetchDocument(`${base}/loop`, { root: dir, ...limits })).rejects.toThrow(
      /more than 2 redirects/,
    );
  });

  it('refuses a redirect to anything but http(s)', async () => {
    await expect(fetchDocument(`${base}/to-file`, { root: dir, ...limits })).rejects.toThrow(
      /not an http\(s\) URL/,
    );
  });

  it('reports an HTTP error status', async () => {
    await expect(fetchDocument(`${base}/broken`, { root: dir, ...limits })).rejects.toThrow(
      /answered HTTP 500/,
    );
  });

  it('reports a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(fetchDocument(`http://127.0.0.1:${port}/feed`, { root: dir, ...limits })).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });

  it('reads local files relative to the root, within the cap', async () => {
    await writeFile(join(dir, 'feed.xml'), FEED);
    await writeFile(join(dir, 'big.xml'), Buffer.alloc(MAX_BYTES + 1));
    const doc = await fetchDocument('feed.xml', { root: dir, ...limits });
    expect(doc.notModified === false && Buffer.from(doc.bytes).toString()).toBe(FEED);
    await expect(fetchDocument('big.xml', { root: dir, ...limits })).rejects.toBeInstanceOf(
      FeedTooLargeError,
    );
    await expect(fetchDocument('missing.xml', { root: dir, ...limits })).rejects.toThrow(/ENOENT/);
    await expect(fetchDocument('ftp://example.com/feed', { root: dir, ...limits })).rejects.toThrow(
      /unsupported location/,
    );
  });

  it('refuses a named pipe (FIFO) or a device at once instead of waiting on it', async () => {
    const fifo = join(dir, 'feed.fifo');
    execFileSync('mkfifo', [fifo]);
    await expect(fetchDocument(fifo, { root: dir, ...limits })).rejects.toThrow(
      `cannot read ${fifo}: a named pipe (FIFO), not a regular file`,
    );
    await expect(fetchDocument('/dev/zero', { root: dir, ...limits })).rejects.toThrow(
      'cannot read /dev/zero: a device, not a regular file',
    );
    await expect(fetchDocument('.', { root: dir, ...limits })).rejects.toThrow('cannot read .: a folder');
  });
});
