import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { DigestRenderer } from '../adapters/digest-renderer.js';
import { DynamoBriefStore } from '../adapters/dynamo-brief-store.js';
import { DynamoIssueStore } from '../adapters/dynamo-issue-store.js';
import { DynamoSubscriberStore } from '../adapters/dynamo-subscriber-store.js';
import { configFromEnv, requiredEnv } from '../adapters/lambda-environment.js';
import { SqsSendQueue } from '../adapters/sqs-send-queue.js';
import { TABLES } from '../adapters/tables.js';
import { type ComposeResult, composeIssue } from '../core/compose.js';
import { EDITION_ID_PATTERN } from '../core/config.js';
import { systemClock } from '../core/ports.js';

/**
 * The compose function, invoked by EventBridge Scheduler at each edition's send time with
 * `{"edition":"dc"}`: stores today's issue and queues its readers (see `core/compose.ts`).
 * Running it again the same day re-queues readers who have not had the issue, and no one else.
 */

const logger = new Logger();
const metrics = new Metrics({ namespace: 'Tidings', serviceName: 'compose' });

// Built once per cold start; a missing setting fails here, by name.
const config = configFromEnv();
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
const deps = {
  config,
  issues: new DynamoIssueStore(doc, requiredEnv(TABLES.issues.envVar)),
  briefs: new DynamoBriefStore(doc, requiredEnv(TABLES.briefs.envVar)),
  subscribers: new DynamoSubscriberStore(doc, requiredEnv(TABLES.subscribers.envVar)),
  queue: new SqsSendQueue(new SQSClient({}), requiredEnv('SEND_QUEUE_URL')),
};
// In Lambda the templates are copied into the bundle and TEMPLATES_DIR points at them.
const templatesDir = process.env.TEMPLATES_DIR;
const renderer = DigestRenderer.create(templatesDir ? { templatesDir } : {});

export const ComposeEventSchema = z.strictObject({
  edition: z.string().regex(EDITION_ID_PATTERN, 'must be an edition id'),
});

export async function handler(
  event: unknown,
): Promise<Pick<ComposeResult, 'issueId' | 'outcome' | 'enqueued'>> {
  const parsed = ComposeEventSchema.safeParse(event);
  if (!parsed.success) {
    // A malformed schedule input will never succeed: fail loudly, once.
    throw new Error(`unexpected compose event: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }
  const result = await composeIssue(
    { ...deps, render: async (request) => (await renderer).render(request) },
    { edition: parsed.data.edition, now: systemClock.now() },
  );
  const summary = { issueId: result.issueId, outcome: result.outcome, enqueued: result.enqueued };
  logger.info('compose finished', { ...summary, briefs: result.issue.briefIds.length });
  metrics.addDimension('edition', parsed.data.edition);
  if (result.outcome === 'skipped') metrics.addMetric('IssueSkipped', MetricUnit.Count, 1);
  if (result.outcome === 'composed' || result.outcome === 'held')
    metrics.addMetric('IssueComposed', MetricUnit.Count, 1);
  metrics.addMetric('RecipientsQueued', MetricUnit.Count, result.enqueued);
  metrics.publishStoredMetrics();
  return summary;
}
