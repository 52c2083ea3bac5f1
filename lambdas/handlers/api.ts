import { Logger } from '@aws-lambda-powertools/logger';
import { handle } from 'hono/aws-lambda';
import { TemplateConfirmationEmail } from '../adapters/confirmation-email.js';
import { createApp, inlineTasks } from '../adapters/http/app.js';
import { DynamoClientRequestLimit } from '../adapters/http/client-request-limit.js';
import { issueArchive } from '../adapters/http/issue-archive.js';
import { defaultPagesDir, PageRenderer } from '../adapters/http/pages.js';
import { templateWelcome } from '../adapters/welcome-email.js';
import { lambdaTarget } from '../wiring/lambda.js';
import { lambdaKeyring } from '../wiring/lambda-keyring.js';
import { lambdaMailer } from '../wiring/lambda-mailer.js';
import { issueStore } from '../wiring/stores/issue.js';
import { ledgerStore } from '../wiring/stores/ledger.js';
import { subscriberStore } from '../wiring/stores/subscriber.js';

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
const target = lambdaTarget({ tables: ['subscribers', 'issues', 'ledger'], secret: true });
const { config, storeParts } = target;
const onError = (error: unknown): void => logger.error('request failed', error as Error);

// The keyring's read is under way while the rest is built; the app takes the keyring itself.
const keyringRead = lambdaKeyring(target)();
const mailer = lambdaMailer(target);
const issues = issueStore(storeParts);
const subscribers = subscriberStore(storeParts);
const keyring = await keyringRead;

export const app = createApp({
  config,
  subscribers,
  issues: issueArchive(issues, config),
  keyring,
  mailer,
  clock: target.clock,
  confirmationEmail: new TemplateConfirmationEmail(config),
  // Welcomes are ledgered like digests; the log names outcomes, never the reader.
  welcome: templateWelcome(
    { config, subscribers, issues, ledger: ledgerStore(storeParts), mailer, keyring, clock: target.clock },
    (event, detail) => logger.info(event, detail),
  ),
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
