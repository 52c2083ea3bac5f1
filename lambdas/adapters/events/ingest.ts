import type { TidingsConfig } from '../../core/config.js';
import { TidingsError } from '../../core/errors.js';
import { type IngestDeps, type IngestSummary, ingestSources } from '../../core/ingest.js';
import * as z from '../../core/zod.js';

/**
 * The scheduled ingest's event adapter (EventBridge Scheduler, every `ingest.rateMinutes`): every
 * configured source, or only those an event names (`{"sources":["id",…]}`), through the ingest
 * core. Logs one structured line per source and returns the summaries.
 */

const EventSchema = z.nullish(
  z.looseObject({ sources: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))) }),
);

/** An event of a shape the function does not take. */
export class BadIngestEventError extends TidingsError {
  override readonly name = 'BadIngestEventError';
  override readonly kind = 'invalid-input';
}

export interface IngestEventDeps {
  config: Pick<TidingsConfig, 'sources'>;
  ingest: IngestDeps;
  log(level: 'info' | 'warn' | 'error', message: string, detail: Record<string, unknown>): void;
}

export function ingestEventHandler(deps: IngestEventDeps): (event: unknown) => Promise<IngestSummary[]> {
  const { config } = deps;
  return async (event) => {
    const parsed = EventSchema.safeParse(event);
    if (!parsed.success) {
      throw new BadIngestEventError(`unexpected event: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    }
    const wanted = parsed.data?.sources;
    const sources = wanted ? config.sources.filter((s) => wanted.includes(s.id)) : config.sources;
    const unknown = wanted?.filter((id) => !config.sources.some((s) => s.id === id)) ?? [];
    if (unknown.length > 0) deps.log('warn', 'unknown sources in event', { unknown });

    const summaries = await ingestSources(sources, deps.ingest);
    for (const summary of summaries) {
      const fields = { ingest: summary };
      if (summary.error) deps.log('error', `source ${summary.source} failed`, fields);
      else if (summary.rejected.length > 0)
        deps.log('warn', `source ${summary.source} ingested with rejections`, fields);
      else deps.log('info', `source ${summary.source} ingested`, fields);
    }
    return summaries;
  };
}
