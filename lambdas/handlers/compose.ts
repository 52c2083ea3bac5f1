import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DigestRenderer } from '../adapters/digest-renderer.js';
import { composeEventHandler } from '../adapters/events/compose.js';
import { lambdaWiring } from '../wiring/lambda.js';

/** The compose function (EventBridge Scheduler): see `adapters/events/compose.ts`. */
const logger = new Logger();
const wiring = lambdaWiring({
  tables: ['briefs', 'issues', 'subscribers', 'ledger'],
  queue: true,
  // The digest template is compiled into the bundle (templates/compiled/digest.ts).
  renderer: () => DigestRenderer.create(),
});
// The stage is a dimension of every metric, so two stages in one account keep apart.
const metrics = new Metrics({
  namespace: 'Tidings',
  serviceName: 'compose',
  defaultDimensions: { stage: wiring.config.stage },
});

export const handler = composeEventHandler({
  compose: wiring.compose(),
  completion: wiring.completion(),
  clock: wiring.clock,
  report(result, summary) {
    logger.info('compose finished', { ...summary, briefs: result.issue.briefIds.length });
    metrics.addDimension('edition', result.issue.edition);
    if (result.outcome === 'skipped') metrics.addMetric('IssueSkipped', MetricUnit.Count, 1);
    if (result.outcome === 'composed' || result.outcome === 'held')
      metrics.addMetric('IssueComposed', MetricUnit.Count, 1);
    // A held issue waits for `tidings approve` past its send time: the held-issue alarm watches.
    if (result.outcome === 'held') metrics.addMetric('IssueHeld', MetricUnit.Count, 1);
    metrics.addMetric('RecipientsQueued', MetricUnit.Count, result.enqueued);
    metrics.publishStoredMetrics();
  },
});
