import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { ingestEventHandler } from '../adapters/events/ingest.js';
import { lambdaWiring } from '../wiring/lambda.js';

/** The scheduled ingest (EventBridge Scheduler): see `adapters/events/ingest.ts`. */
const logger = new Logger();
const wiring = lambdaWiring({ tables: ['briefs'] });
const metrics = new Metrics({
  namespace: 'Tidings',
  serviceName: 'ingest',
  defaultDimensions: { stage: wiring.config.stage },
});

const ingest = ingestEventHandler({
  config: wiring.config,
  ingest: wiring.ingest(),
  log: (level, message, detail) => logger[level](message, detail),
});

/** One ingest run; `SourceFailed` (1 or 0) per source feeds the alarm on a source failing run after run. */
export const handler: typeof ingest = async (event) => {
  const summaries = await ingest(event);
  for (const summary of summaries) {
    const single = metrics.singleMetric();
    single.addDimension('source', summary.source);
    single.addMetric('SourceFailed', MetricUnit.Count, summary.error ? 1 : 0);
  }
  return summaries;
};
