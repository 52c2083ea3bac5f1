import { Logger } from '@aws-lambda-powertools/logger';
import { sendEventHandler } from '../adapters/events/send.js';
import { sendPolicy } from '../core/send-policy.js';
import { lambdaTarget } from '../wiring/lambda.js';
import { lambdaKeyring } from '../wiring/lambda-keyring.js';
import { lambdaMailer } from '../wiring/lambda-mailer.js';
import { messagesOnce, sendDeps } from '../wiring/send.js';
import { issueStore } from '../wiring/stores/issue.js';
import { ledgerStore } from '../wiring/stores/ledger.js';
import { sendChecks } from '../wiring/stores/send-checks.js';
import { subscriberStore } from '../wiring/stores/subscriber.js';

/** The send function (SQS event source): see `adapters/events/send.ts`. Wired once per cold start. */
const logger = new Logger();
const target = lambdaTarget({ tables: ['issues', 'subscribers', 'ledger'], secret: true });
const { config, clock, storeParts } = target;
const stores = {
  issues: issueStore(storeParts),
  ledger: ledgerStore(storeParts),
  subscribers: subscriberStore(storeParts),
  checks: sendChecks(storeParts),
};
const send = sendDeps({
  policy: sendPolicy(config),
  stores,
  messages: await messagesOnce(config, lambdaKeyring(target))(),
  mailer: lambdaMailer(target),
  clock,
});

export const handler = sendEventHandler({
  send: { ...send, log: (event, detail) => logger.info(event, detail) },
  completion: { issues: stores.issues, ledger: stores.ledger },
  log: (level, event, detail) => logger[level](event, detail),
});
