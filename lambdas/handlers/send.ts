import { randomUUID } from 'node:crypto';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { DigestMessageBuilder } from '../adapters/digest-messages.js';
import { DynamoIssueStore } from '../adapters/dynamo-issue-store.js';
import { DynamoLedgerStore } from '../adapters/dynamo-ledger-store.js';
import { DynamoSendChecks } from '../adapters/dynamo-send-checks.js';
import { DynamoSubscriberStore } from '../adapters/dynamo-subscriber-store.js';
import { configFromEnv, requiredEnv } from '../adapters/lambda-environment.js';
import { loadKeyring } from '../adapters/secret-keyring.js';
import { SesMailer } from '../adapters/ses-mailer.js';
import { TABLES } from '../adapters/tables.js';
import { ISSUE_ID_PATTERN } from '../core/edition.js';
import { TidingsError } from '../core/errors.js';
import { systemClock } from '../core/ports.js';
import { type SendDeps, sendBatch, UnknownIssueError } from '../core/send.js';
import { realPaceClock, SendPacer } from '../core/send-pacer.js';
import { planSendRate } from '../core/send-rate.js';

/**
 * The send function: SQS batches of send messages, each a slice of one issue's readers. Records
 * that must be tried again (a fresh claim held elsewhere, SES still throttling, a store error)
 * are reported as partial batch failures; the rest are done, whatever the ledger said.
 */

const logger = new Logger();

/** Longer than the function's timeout (2 minutes): a claim older than this belongs to a dead attempt. */
const LEASE_MS = Number(process.env.SEND_LEASE_SECONDS ?? 180) * 1000;
// A lease that is not a positive number would turn live claims into `unknown`: refuse to start.
if (!(LEASE_MS > 0))
  throw new Error(`SEND_LEASE_SECONDS must be a positive number, got "${process.env.SEND_LEASE_SECONDS}"`);

const config = configFromEnv();
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
// The per-message requests (send checks, ledger, SES) go through clients that resolve their
// middleware stack once per command rather than on every call (nothing here changes it later).
const dynamo = new DynamoDBClient({ cacheMiddleware: true });
const keyring = await loadKeyring(new SecretsManagerClient({}), requiredEnv('TOKEN_SECRET_ARN'));
// The event source runs at most SEND_MAX_CONCURRENCY of us at once (set from the same plan), so
// each paces itself at that share of the account's rate and together they never exceed it.
const plan = planSendRate(config.ses.maxSendRate);
const concurrency = Number(process.env.SEND_MAX_CONCURRENCY ?? plan.maxConcurrency);
if (!Number.isInteger(concurrency) || concurrency < 1) {
  throw new Error(
    `SEND_MAX_CONCURRENCY must be a positive integer, got "${process.env.SEND_MAX_CONCURRENCY}"`,
  );
}
const perWorkerRate = config.ses.maxSendRate / concurrency;
const deps: SendDeps = {
  issues: new DynamoIssueStore(doc, requiredEnv(TABLES.issues.envVar)),
  ledger: new DynamoLedgerStore(dynamo, requiredEnv(TABLES.ledger.envVar)),
  subscribers: new DynamoSubscriberStore(doc, requiredEnv(TABLES.subscribers.envVar)),
  // Built once per worker: the MIME body of an issue is encoded once and reused for every reader.
  messages: new DigestMessageBuilder(config, keyring),
  // Issue state, profile and suppression entry read together, shared by the records in flight.
  checks: new DynamoSendChecks(dynamo, {
    issues: requiredEnv(TABLES.issues.envVar),
    subscribers: requiredEnv(TABLES.subscribers.envVar),
  }),
  mailer: new SesMailer(new SESClient({ cacheMiddleware: true }), {
    configurationSet: config.ses.configurationSet,
  }),
  // One worker (this instance) paces itself at its share of the account's rate.
  limiter: new SendPacer({ rate: perWorkerRate }, realPaceClock),
  clock: systemClock,
  sleep: realPaceClock.sleep,
  newToken: randomUUID,
  leaseMs: LEASE_MS,
  log: (event, detail) => logger.info(event, detail),
};

export const SendMessageSchema = z.strictObject({
  issueId: z.string().regex(ISSUE_ID_PATTERN),
  recipients: z
    .array(z.strictObject({ email: z.string().min(3).max(254), name: z.string().max(200).optional() }))
    .min(1)
    .max(100),
});

/** A record that can never be processed; it goes to the dead-letter queue through retries. */
class BadSendMessageError extends TidingsError {
  override readonly name = 'BadSendMessageError';
  override readonly kind = 'invalid-input';
}

/** Thrown to mark a record for redelivery (a partial batch failure). */
class SendRetryError extends TidingsError {
  override readonly name = 'SendRetryError';
  override readonly kind = 'unavailable';
}

async function processRecord(record: SQSRecord): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch (error) {
    throw new BadSendMessageError(`message ${record.messageId} is not JSON`, { cause: error });
  }
  const parsed = SendMessageSchema.safeParse(body);
  if (!parsed.success) {
    throw new BadSendMessageError(
      `message ${record.messageId}: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  }
  const batch = {
    issueId: parsed.data.issueId,
    recipients: parsed.data.recipients.map((r) =>
      r.name ? { email: r.email, name: r.name } : { email: r.email },
    ),
  };
  try {
    const result = await sendBatch(deps, batch);
    const tally: Record<string, number> = {};
    for (const { outcome } of result.outcomes) tally[outcome] = (tally[outcome] ?? 0) + 1;
    logger.info('send batch', { issueId: batch.issueId, messageId: record.messageId, ...tally });
    if (result.retry) throw new SendRetryError(`message ${record.messageId} has readers to try again`);
  } catch (error) {
    if (error instanceof UnknownIssueError) logger.error('send message for an unknown issue', { error });
    throw error;
  }
}

const processor = new BatchProcessor(EventType.SQS);

export async function handler(event: SQSEvent, context: unknown): Promise<SQSBatchResponse> {
  return processPartialResponse(event, processRecord, processor, {
    context: context as never,
    throwOnFullBatchFailure: false,
  });
}
