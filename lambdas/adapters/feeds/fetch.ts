import { constants, type Stats } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { type ErrorKind, TidingsError } from '../../core/errors.js';

/**
 * Reads a source document from an http(s) URL or a local file, within bounds: one deadline for
 * the whole exchange (redirects and body included), a bounded number of redirects followed by
 * hand (each target must be http(s) again), and a size cap enforced while the body streams in —
 * reading stops at the first chunk that crosses the cap, so at most cap + one chunk is ever held.
 */

export class FeedFetchError extends TidingsError {
  override readonly name: string = 'FeedFetchError';
  override readonly kind: ErrorKind = 'unavailable';
}

export class FeedTooLargeError extends FeedFetchError {
  override readonly name = 'FeedTooLargeError';
  override readonly kind = 'too-large';
  constructor(
    readonly maxBytes: number,
    /** Bytes actually read before giving up (0 when a Content-Length said enough). */
    readonly bytesRead: number,
  ) {
    super(`the document is larger than the ${maxBytes}-byte limit (read ${bytesRead} bytes, then stopped)`);
  }
}

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
}

export interface FetchRequest extends FetchLimits {
  /** Base directory of relative local paths (the project root). */
  root: string;
  etag?: string | undefined;
  lastModified?: string | undefined;
  userAgent?: string;
  /** Injected for tests; the global `fetch` by default. */
  fetch?: typeof fetch;
}

export type FetchedDocument =
  | {
      notModified: false;
      bytes: Uint8Array;
      contentType?: string;
      /** The final URL after redirects (http sources only): the base of relative links. */
      url?: string;
      etag?: string;
      lastModified?: string;
    }
  | { notModified: true };

const ACCEPT =
  'application/feed+json, application/json;q=0.9, application/atom+xml, application/rss+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5';

/** Whether a location is an http(s) URL (else it is a local path). */
export function isHttpLocation(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

async function readCapped(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Uint8Array> {
  if (!body) return new Uint8Array();
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) throw new FeedTooLargeError(maxBytes, total);
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  }
  return Buffer.concat(chunks, total);
}

function describe(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: string }).name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no complete answer within ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}

async function fetchHttp(location: string, request: FetchRequest): Promise<FetchedDocument> {
  const doFetch = request.fetch ?? fetch;
  const signal = AbortSignal.timeout(request.timeoutMs);
  let url = location;
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = {
      accept: ACCEPT,
      'user-agent': request.userAgent ?? 'Tidings feed reader',
    };
    if (request.etag) headers['if-none-match'] = request.etag;
    if (request.lastModified) headers['if-modified-since'] = request.lastModified;
    let response: Response;
    try {
      response = await doFetch(url, { headers, redirect: 'manual', signal });
    } catch (error) {
      throw new FeedFetchError(`cannot fetch ${url}: ${describe(error, request.timeoutMs)}`, {
        cause: error,
      });
    }
    if (response.status >= 300 && response.status < 400 && response.status !== 304) {
      await response.body?.cancel().catch(() => undefined);
      const target = response.headers.get('location');
      if (!target) throw new FeedFetchError(`${url} answered ${response.status} without a Location`);
      if (hop >= request.maxRedirects) {
        throw new FeedFetchError(`more than ${request.maxRedirects} redirects, last to ${target}`);
      }
      const next = URL.canParse(target, url) ? new URL(target, url) : undefined;
      if (!next || !/^https?:$/.test(next.protocol)) {
        throw new FeedFetchError(
          `${url} redirects to "${target.slice(0, 200)}", which is not an http(s) URL`,
        );
      }
      url = next.href;
      continue;
    }
    if (response.status === 304) {
      await response.body?.cancel().catch(() => undefined);
      return { notModified: true };
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new FeedFetchError(`${url} answered HTTP ${response.status}`);
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(declared) && declared > request.maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw new FeedTooLargeError(request.maxBytes, 0);
    }
    let bytes: Uint8Array;
    try {
      bytes = await readCapped(response.body, request.maxBytes);
    } catch (error) {
      if (error instanceof FeedFetchError) throw error;
      throw new FeedFetchError(`cannot read ${url}: ${describe(error, request.timeoutMs)}`, { cause: error });
    }
    const contentType = response.headers.get('content-type');
    const etag = response.headers.get('etag');
    const lastModified = response.headers.get('last-modified');
    return {
      notModified: false,
      bytes,
      url,
      ...(contentType ? { contentType } : {}),
      ...(etag ? { etag } : {}),
      ...(lastModified ? { lastModified } : {}),
    };
  }
}

/** What a path that is not a regular file is, for the refusal. */
function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Reads at most `maxBytes` (the file may have grown since its size was checked). */
async function readFileCapped(
  handle: FileHandle,
  maxBytes: number,
  deadline: AbortSignal,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    deadline.throwIfAborted();
    const chunk = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(chunk, 0, chunk.byteLength, null);
    if (bytesRead === 0) break;
    total += bytesRead;
    if (total > maxBytes) throw new FeedTooLargeError(maxBytes, total);
    chunks.push(chunk.subarray(0, bytesRead));
  }
  return Buffer.concat(chunks, total);
}

/**
 * A local file, with the limits of a URL: regular files only (a FIFO or a device would never end,
 * or never start: opening a FIFO waits for a writer, so it is opened without waiting and refused),
 * the same size cap, enforced while reading, and the same deadline for the whole read.
 */
async function readLocal(location: string, request: FetchRequest): Promise<FetchedDocument> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new FeedFetchError(
      `unsupported location "${location.slice(0, 200)}": use an http(s) URL or a local path`,
    );
  }
  const path = isAbsolute(location) ? location : resolve(request.root, location);
  const deadline = AbortSignal.timeout(request.timeoutMs);
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw new FeedFetchError(`cannot read ${location}: ${(error as NodeJS.ErrnoException).code ?? error}`, {
      cause: error,
    });
  }
  try {
    const info = await handle.stat();
    if (!info.isFile())
      throw new FeedFetchError(`cannot read ${location}: ${kindOf(info)}, not a regular file`);
    if (info.size > request.maxBytes) throw new FeedTooLargeError(request.maxBytes, 0);
    return { notModified: false, bytes: await readFileCapped(handle, request.maxBytes, deadline) };
  } catch (error) {
    if (error instanceof FeedFetchError) throw error;
    throw new FeedFetchError(`cannot read ${location}: ${describe(error, request.timeoutMs)}`, {
      cause: error,
    });
  } finally {
    await handle.close();
  }
}

/** Fetches a source document (see the module comment); throws {@link FeedFetchError}. */
export function fetchDocument(location: string, request: FetchRequest): Promise<FetchedDocument> {
  return isHttpLocation(location) ? fetchHttp(location, request) : readLocal(location, request);
}
