import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { handle } from 'hono/aws-lambda';
import { TemplateConfirmationEmail } from '../adapters/confirmation-email.js';
import { DynamoIssueStore } from '../adapters/dynamo-issue-store.js';
import { DynamoSubscriberStore } from '../adapters/dynamo-subscriber-store.js';
import { createApp, inlineTasks } from '../adapters/http/app.js';
import { DynamoClientRequestLimit } from '../adapters/http/client-request-limit.js';
import { issueArchive } from '../adapters/http/issue-archive.js';
import { defaultPagesDir, PageRenderer } from '../adapters/http/pages.js';
import { configFromEnv, requiredEnv } from '../adapters/lambda-environment.js';
import { loadKeyring } from '../adapters/secret-keyring.js';
import { SesMailer } from '../adapters/ses-mailer.js';
import { TABLES } from '../adapters/tables.js';
import { systemClock } from '../core/ports.js';

/**
 * The readers' API behind API Gateway (HTTP API, payload v2): the Hono app of
 * `adapters/http/app.ts` through Hono's Lambda adapter. Everything is built once per cold start;
 * a missing setting fails it by name.
 *
 * Two choices differ from the local server: the per-client limit is a DynamoDB counter shared by
 * all instances (in-memory counters would reset with every new instance), and the confirmation is
 * sent before the answer (work left after a Lambda answers may be frozen), so the timing of an
 * answer can differ slightly between an address that is mailed and one that is not; the status,
 * body and headers never do.
 */

const logger = new Logger();

const config = configFromEnv();
const subscribersTable = requiredEnv(TABLES.subscribers.envVar);
const issuesTable = process.env[TABLES.issues.envVar];
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
const keyring = await loadKeyring(new SecretsManagerClient({}), requiredEnv('TOKEN_SECRET_ARN'));
const onError = (error: unknown): void => logger.error('request failed', error as Error);

export const app = createApp({
  config,
  subscribers: new DynamoSubscriberStore(doc, subscribersTable),
  ...(issuesTable ? { issues: issueArchive(new DynamoIssueStore(doc, issuesTable), config) } : {}),
  keyring,
  mailer: new SesMailer(new SESClient({}), { configurationSet: config.ses.configurationSet }),
  clock: systemClock,
  confirmationEmail: new TemplateConfirmationEmail(config),
  pages: new PageRenderer(config, defaultPagesDir(process.env)),
  tasks: inlineTasks(onError),
  ...(config.api.rateLimitPerMinute > 0
    ? { rateLimit: new DynamoClientRequestLimit(doc, subscribersTable, config.api.rateLimitPerMinute) }
    : {}),
  onError,
});

export const handler = handle(app);
