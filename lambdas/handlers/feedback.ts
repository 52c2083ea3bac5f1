import { Logger } from '@aws-lambda-powertools/logger';
import { feedbackEventHandler } from '../adapters/events/feedback.js';
import { verifyMailtoUnsubscribe } from '../core/tokens.js';
import { lambdaTarget } from '../wiring/lambda.js';
import { lambdaKeyring } from '../wiring/lambda-keyring.js';
import { ledgerStore } from '../wiring/stores/ledger.js';
import { subscriberStore } from '../wiring/stores/subscriber.js';

/** The feedback function (SES events through SNS, and the receipt rule): see `adapters/events/feedback.ts`. */
const logger = new Logger();
const target = lambdaTarget({ tables: ['subscribers', 'ledger'], secret: true });
const keyring = await lambdaKeyring(target)();

export { messageOf } from '../adapters/events/feedback.js';
export const handler = feedbackEventHandler({
  feedback: {
    config: target.config,
    subscribers: subscriberStore(target.storeParts),
    ledger: ledgerStore(target.storeParts),
    clock: target.clock,
    verifyMailto: (localPart, from) => verifyMailtoUnsubscribe(keyring, localPart, from),
  },
  log: (level, message, detail) => logger[level](message, detail ?? {}),
});
