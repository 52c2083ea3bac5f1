import { Logger } from '@aws-lambda-powertools/logger';
import { sendEventHandler } from '../adapters/events/send.js';
import { lambdaWiring } from '../wiring/lambda.js';

/** The send function (SQS event source): see `adapters/events/send.ts`. Wired once per cold start. */
const logger = new Logger();
const wiring = lambdaWiring({ tables: ['issues', 'subscribers', 'ledger'], secret: true });
const send = await wiring.send();

export const handler = sendEventHandler({
  send: { ...send, log: (event, detail) => logger.info(event, detail) },
  completion: wiring.completion(),
  log: (level, event, detail) => logger[level](event, detail),
});
