import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { isHttpLocation } from '../../lambdas/adapters/feeds/fetch.js';
import { createFetchSource } from '../../lambdas/adapters/feeds/source.js';
import { FEED_FORMATS, type FeedFormat, type SourceConfig } from '../../lambdas/core/config.js';
import { formatSummary, ingestSources } from '../../lambdas/core/ingest.js';
import { systemClock } from '../../lambdas/core/ports.js';
import { parseCommand } from '../args.js';
import { COMMAND_SPECS } from '../command-specs.js';
import { type CliContext, editionList, UsageError } from '../context.js';
import { openTarget } from '../target.js';

/**
 * A source id for a location given on the command line: readable (host or file name) and stable
 * (hashed location), so ingesting the same location again updates the same briefs.
 */
export function adHocSourceId(location: string): string {
  const label =
    isHttpLocation(location) && URL.canParse(location) ? new URL(location).hostname : basename(location);
  const slug = label
    .toLowerCase()
    .replace(/\.[a-z0-9]+$/, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  const hash = createHash('sha256').update(location).digest('hex').slice(0, 8);
  return `${slug || 'source'}-${hash}`;
}

/**
 * `tidings ingest [--source <path|url>] [--format …] [--edition E]`: the configured sources, or
 * the one given. Prints one summary per source. Exit 0 when the run completed; 2 when the given
 * source cannot be read or parsed at all (configured sources that fail are reported, not fatal).
 */
export default async function ingest(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommand(COMMAND_SPECS.ingest, args);
  const format = values.format ?? 'auto';
  if (format !== 'auto' && !(FEED_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`unknown format "${format}"; expected one of ${FEED_FORMATS.join(', ')}`);
  }
  if (values.format && !values.source) throw new UsageError('--format applies to --source only');
  const editions = editionList(values.edition, ctx.config);

  let sources: SourceConfig[];
  if (values.source) {
    const location = values.source;
    const configured = ctx.config.sources.find((s) => s.location === location);
    const base: SourceConfig = configured ?? {
      id: adHocSourceId(location),
      location,
      format: 'auto',
      editions: [],
    };
    sources = [{ ...base, format: format as FeedFormat | 'auto' }];
  } else {
    sources = ctx.config.sources;
    if (sources.length === 0) {
      ctx.out('no sources configured (add them under "sources" in cdk.json, or use --source)');
      return 0;
    }
  }
  // --edition replaces the default editions, i.e. applies to items that name none.
  if (editions.length > 0) sources = sources.map((s) => ({ ...s, editions }));

  const target = await openTarget(ctx);
  const fetch = createFetchSource({ root: process.cwd(), ingest: ctx.config.ingest });
  let fetched = 0;
  const summaries = await ingestSources(sources, {
    fetchSource: async (source, previous) => {
      try {
        return await fetch(source, previous);
      } finally {
        ctx.progress?.update(`ingest: ${++fetched} of ${sources.length} sources fetched`);
      }
    },
    store: target.wiring.briefs,
    clock: systemClock,
    config: ctx.config,
  });
  for (const summary of summaries) {
    const [head = '', ...details] = formatSummary(summary);
    (summary.error ? ctx.err : ctx.out)(head);
    for (const line of details) ctx.out(line);
  }
  if (values.source && summaries[0]?.error) return 2;
  return 0;
}
