import { Logger } from '@aws-lambda-powertools/logger';
import { handle } from 'hono/aws-lambda';
import { TemplateConfirmationEmail } from '../adapters/confirmation-email.js';
import { createApp, inlineTasks } from '../adapters/http/app.js';
import { DynamoClientRequestLimit } from '../adapters/http/client-request-limit.js';
import { issueArchive } from '../adapters/http/issue-archive.js';
import { defaultPagesDir, PageRenderer } from '../adapters/http/pages.js';
import { lambdaTarget } from '../wiring/lambda.js';
import { lambdaKeyring } from '../wiring/lambda-keyring.js';
import { lambdaMailer } from '../wiring/lambda-mailer.js';

/**
 * The readers' API behind API Gateway (HTTP API, payload v2): the Hono app of
 * `adapters/http/app.ts` through Hono's Lambda adapter, wired once per cold start.
 *
 * Two choices differ from the local server: the per-client limit is a DynamoDB counter shared by
 * all instances (in-memory counters would reset with every new instance), and the confirmation is
 * sent before the answer (work left after a Lambda answers may be frozen), so the timing of an
 * answer can differ slightly between an address that is mailed and one that is not; the status,
 * body and headers never do.
 */

const logger = new Logger();
const target = lambdaTarget({ tables: ['subscribers', 'issues'], secret: true });
const { config, stores } = target;
const onError = (error: unknown): void => logger.error('request failed', error as Error);

export const app = createApp({
  config,
  subscribers: stores.subscribers,
  issues: issueArchive(stores.issues, config),
  keyring: await lambdaKeyring(target)(),
  mailer: lambdaMailer(target),
  clock: target.clock,
  confirmationEmail: new TemplateConfirmationEmail(config),
  pages: new PageRenderer(config, defaultPagesDir(process.env)),
  tasks: inlineTasks(onError),
  ...(config.api.rateLimitPerMinute > 0
    ? {
        rateLimit: new DynamoClientRequestLimit(
          target.clients.doc,
          target.tables.subscribers,
          config.api.rateLimitPerMinute,
        ),
      }
    : {}),
  onError,
});

export const handler = handle(app);
