import { Logger } from '@aws-lambda-powertools/logger';
import { feedbackEventHandler } from '../adapters/events/feedback.js';
import { verifyMailtoUnsubscribe } from '../core/tokens.js';
import { lambdaWiring } from '../wiring/lambda.js';

/** The feedback function (SES events through SNS, and the receipt rule): see `adapters/events/feedback.ts`. */
const logger = new Logger();
const wiring = lambdaWiring({ tables: ['subscribers', 'ledger'], secret: true });
const keyring = await wiring.keyring();

export { messageOf } from '../adapters/events/feedback.js';
export const handler = feedbackEventHandler({
  feedback: {
    config: wiring.config,
    subscribers: wiring.subscribers,
    ledger: wiring.ledger,
    clock: wiring.clock,
    verifyMailto: (localPart, from) => verifyMailtoUnsubscribe(keyring, localPart, from),
  },
  log: (level, message, detail) => logger[level](message, detail ?? {}),
});
