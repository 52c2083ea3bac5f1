import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { DynamoSubscriberStore } from '../adapters/dynamo-subscriber-store.js';
import { configFromEnv, requiredEnv } from '../adapters/lambda-environment.js';
import { loadKeyring } from '../adapters/secret-keyring.js';
import { TABLES } from '../adapters/tables.js';
import { applyFeedback, type FeedbackAction, type FeedbackDeps, parseFeedback } from '../core/feedback.js';
import { systemClock } from '../core/ports.js';
import { verifyMailtoUnsubscribe } from '../core/tokens.js';

/**
 * The feedback function. Two kinds of invocation reach it:
 * - SNS (`Records[].Sns.Message`, JSON): the configuration set's event publishing (bounces,
 *   complaints, deliveries) or SES notifications;
 * - the SES receipt rule for the `mailto:` unsubscribe address (`Records[].ses` = mail + receipt).
 * Every message is validated; shapes we do not know are logged and dropped, never retried.
 */

const logger = new Logger();

const config = configFromEnv();
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
const keyring = await loadKeyring(new SecretsManagerClient({}), requiredEnv('TOKEN_SECRET_ARN'));
const deps: FeedbackDeps = {
  config,
  subscribers: new DynamoSubscriberStore(doc, requiredEnv(TABLES.subscribers.envVar)),
  clock: systemClock,
  verifyMailto: (localPart, from) => verifyMailtoUnsubscribe(keyring, localPart, from),
};

const SnsRecord = z.object({ Sns: z.object({ Message: z.string().max(256 * 1024) }) });
const SesRecord = z.object({ ses: z.object({ mail: z.unknown(), receipt: z.unknown() }) });
const EventSchema = z.object({ Records: z.array(z.unknown()).max(100) });

/** The SES-level message inside one record, or undefined for a record of another shape. */
export function messageOf(record: unknown): unknown {
  const sns = SnsRecord.safeParse(record);
  if (sns.success) {
    try {
      return JSON.parse(sns.data.Sns.Message);
    } catch {
      return undefined;
    }
  }
  const ses = SesRecord.safeParse(record);
  if (ses.success)
    return { notificationType: 'Received', mail: ses.data.ses.mail, receipt: ses.data.ses.receipt };
  return undefined;
}

export async function handler(event: unknown): Promise<{ actions: FeedbackAction[]; ignored: number }> {
  const parsed = EventSchema.safeParse(event);
  if (!parsed.success) {
    logger.warn('feedback event of an unknown shape; dropped');
    return { actions: [], ignored: 1 };
  }
  const actions: FeedbackAction[] = [];
  let ignored = 0;
  for (const record of parsed.data.Records) {
    const feedback = parseFeedback(messageOf(record));
    if (!feedback) {
      ignored++;
      logger.warn('feedback record of an unknown shape; dropped');
      continue;
    }
    const applied = await applyFeedback(deps, feedback);
    // Addresses are personal data: log what happened, not to whom.
    logger.info('feedback applied', { kind: feedback.kind, actions: applied.map((a) => a.action) });
    actions.push(...applied);
  }
  return { actions, ignored };
}
