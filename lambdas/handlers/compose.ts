import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DigestRenderer } from '../adapters/digest-renderer.js';
import { composeEventHandler } from '../adapters/events/compose.js';
import { lambdaTarget } from '../wiring/lambda.js';
import { lambdaQueue } from '../wiring/lambda-queue.js';
import { briefStore } from '../wiring/stores/brief.js';
import { issueStore } from '../wiring/stores/issue.js';
import { ledgerStore } from '../wiring/stores/ledger.js';
import { subscriberStore } from '../wiring/stores/subscriber.js';

/** The compose function (EventBridge Scheduler): see `adapters/events/compose.ts`. */
const logger = new Logger();
const target = lambdaTarget({ tables: ['briefs', 'issues', 'subscribers', 'ledger'], queue: true });
const { config, clock, storeParts } = target;
const issues = issueStore(storeParts);
const ledger = ledgerStore(storeParts);
const subscribers = subscriberStore(storeParts);
// The stage is a dimension of every metric, so two stages in one account keep apart.
const metrics = new Metrics({
  namespace: 'Tidings',
  serviceName: 'compose',
  defaultDimensions: { stage: config.stage },
});
// The digest is compiled into the bundle as one fill function (templates/compiled/digest-fill.ts);
// its renderer is made on the first issue rendered.
let renderer: Promise<DigestRenderer> | undefined;

export const handler = composeEventHandler({
  compose: {
    config,
    issues,
    briefs: briefStore(storeParts),
    subscribers,
    queue: lambdaQueue(target),
    render: async (request) => {
      renderer ??= DigestRenderer.create();
      return (await renderer).render(request);
    },
  },
  completion: { issues, ledger },
  clock,
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
  // The waves sweep: issue ids, zones and counts only.
  reportSweep(summary) {
    logger.info('sweep finished', { ...summary });
  },
});
