import { Logger } from '@aws-lambda-powertools/logger';
import { ingestEventHandler } from '../adapters/events/ingest.js';
import { lambdaWiring } from '../wiring/lambda.js';

/** The scheduled ingest (EventBridge Scheduler): see `adapters/events/ingest.ts`. */
const logger = new Logger();
const wiring = lambdaWiring({ tables: ['briefs'] });

export const handler = ingestEventHandler({
  config: wiring.config,
  ingest: wiring.ingest(),
  log: (level, message, detail) => logger[level](message, detail),
});
