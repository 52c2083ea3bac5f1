import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { ingestEventHandler } from '../adapters/events/ingest.js';
import { fetchSourceOf, ingestDeps } from '../wiring/ingest.js';
import { lambdaTarget } from '../wiring/lambda.js';
import { briefStore } from '../wiring/stores/brief.js';

/** The scheduled ingest (EventBridge Scheduler): see `adapters/events/ingest.ts`. */
const logger = new Logger();
const { config, clock, storeParts } = lambdaTarget({ tables: ['briefs'] });
const metrics = new Metrics({
  namespace: 'Tidings',
  serviceName: 'ingest',
  defaultDimensions: { stage: config.stage },
});

const ingest = ingestEventHandler({
  config,
  // Configured local paths are resolved from the task root, where the bundle is.
  ingest: ingestDeps({
    config,
    briefs: briefStore(storeParts),
    clock,
    fetchSource: fetchSourceOf(config, process.cwd()),
  }),
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
