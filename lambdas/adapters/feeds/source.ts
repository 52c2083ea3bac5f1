import { createHash } from 'node:crypto';
import type { SourceConfig, TidingsConfig } from '../../core/config.js';
import type { FetchSource, SourceFetch } from '../../core/ingest.js';
import type { SourceState } from '../../core/ports.js';
import { fetchDocument, isHttpLocation } from './fetch.js';
import { MAPPING_VERSION, mapDocument } from './map.js';
import { parseSourceDocument } from './parse.js';

/**
 * The production {@link FetchSource}: fetch (HTTP with a conditional GET, or a local file),
 * parse, map. Validators (ETag, Last-Modified) are only sent while the source's settings and the
 * mapping are the ones they were taken with, so changing a source's editions re-reads it.
 */

export interface FeedSourceOptions {
  /** Base directory of relative local paths (the project root). */
  root: string;
  ingest: Pick<TidingsConfig['ingest'], 'timeoutMs' | 'maxBytes' | 'maxRedirects'>;
  /** Injected for tests; the global `fetch` by default. */
  fetch?: typeof fetch;
  userAgent?: string;
}

/** Hash of what decides how a source's items are mapped. */
export function sourceConfigHash(source: SourceConfig): string {
  return createHash('sha256')
    .update(JSON.stringify({ mapping: MAPPING_VERSION, source }))
    .digest('base64url')
    .slice(0, 22);
}

/** Builds the production fetch-parse-map step for {@link ingestSources}. */
export function createFetchSource(options: FeedSourceOptions): FetchSource {
  return async (source: SourceConfig, previous: SourceState | undefined): Promise<SourceFetch> => {
    const configHash = sourceConfigHash(source);
    const usable = previous?.configHash === configHash ? previous : undefined;
    const document = await fetchDocument(source.location, {
      root: options.root,
      ...options.ingest,
      etag: usable?.etag,
      lastModified: usable?.lastModified,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    });
    if (document.notModified) return { status: 'not-modified' };
    const parsed = parseSourceDocument(document.bytes, {
      url: document.url,
      contentType: document.contentType,
      format: source.format,
    });
    const mapped = mapDocument(parsed, source);
    const validators = isHttpLocation(source.location) && (document.etag || document.lastModified);
    return {
      status: 'fetched',
      candidates: mapped.candidates,
      rejected: mapped.rejected,
      ...(mapped.title ? { title: mapped.title } : {}),
      ...(validators
        ? {
            state: {
              configHash,
              ...(document.etag ? { etag: document.etag } : {}),
              ...(document.lastModified ? { lastModified: document.lastModified } : {}),
            },
          }
        : {}),
    };
  };
}
