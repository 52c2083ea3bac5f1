import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { DynamoBriefStore } from '../adapters/dynamo-brief-store.js';
import { createFetchSource } from '../adapters/feeds/source.js';
import { configFromEnv, requiredEnv } from '../adapters/lambda-environment.js';
import { TABLES } from '../adapters/tables.js';
import { type IngestSummary, ingestSources } from '../core/ingest.js';
import { systemClock } from '../core/ports.js';

/**
 * The scheduled ingest (EventBridge Scheduler, every `ingest.rateMinutes`): every configured
 * source, or only those an event names (`{"sources":["id",…]}`), through the ingest core. Logs one
 * structured line per source and returns the summaries.
 */

const logger = new Logger();

// Built once per cold start; a missing or bad setting fails here, by name.
const config = configFromEnv();
const table = requiredEnv(TABLES.briefs.envVar);
const store = new DynamoBriefStore(
  DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }),
  table,
);
const fetchSource = createFetchSource({ root: process.cwd(), ingest: config.ingest });

const EventSchema = z
  .object({ sources: z.array(z.string().min(1)).min(1).optional() })
  .loose()
  .nullish();

/** Runs one ingest pass; the summaries are also the function's result, for manual invocations. */
export async function handler(event: unknown): Promise<IngestSummary[]> {
  const parsed = EventSchema.safeParse(event);
  if (!parsed.success) throw new Error(`unexpected event: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const wanted = parsed.data?.sources;
  const sources = wanted ? config.sources.filter((s) => wanted.includes(s.id)) : config.sources;
  const unknown = wanted?.filter((id) => !config.sources.some((s) => s.id === id)) ?? [];
  if (unknown.length > 0) logger.warn('unknown sources in event', { unknown });

  const summaries = await ingestSources(sources, { fetchSource, store, clock: systemClock, config });
  for (const summary of summaries) {
    const fields = { ingest: summary };
    if (summary.error) logger.error(`source ${summary.source} failed`, fields);
    else if (summary.rejected.length > 0)
      logger.warn(`source ${summary.source} ingested with rejections`, fields);
    else logger.info(`source ${summary.source} ingested`, fields);
  }
  return summaries;
}
