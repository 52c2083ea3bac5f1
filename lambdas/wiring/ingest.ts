import { createFetchSource } from '../adapters/feeds/source.js';
import type { TidingsConfig } from '../core/config.js';
import type { FetchSource, IngestDeps } from '../core/ingest.js';
import type { BriefStore, Clock } from '../core/ports.js';

/**
 * The ingest's dependencies. Its own module, so only the targets that ingest carry the feed
 * parsers and their character-set tables (the largest part of a bundle that holds them).
 */
export function fetchSourceOf(config: TidingsConfig, sourceRoot: string): FetchSource {
  return createFetchSource({ root: sourceRoot, ingest: config.ingest });
}

export function ingestDeps(parts: {
  config: TidingsConfig;
  briefs: BriefStore;
  clock: Clock;
  fetchSource: FetchSource;
}): IngestDeps {
  return { fetchSource: parts.fetchSource, store: parts.briefs, clock: parts.clock, config: parts.config };
}
