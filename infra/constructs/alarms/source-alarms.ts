import { Duration } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import type { TidingsConfig } from '../../../lambdas/core/config.js';
import { ResourceGroup } from '../resource-group.js';
import { type AlarmTarget, StageAlarm } from './stage-alarm.js';

/** Ingest runs in a row a source must fail before it raises an alarm (one bad fetch is weather). */
export const SOURCE_FAILED_RUNS = 3;

/**
 * `SourceFailed` of one source: 1 for a run in which it failed, 0 for one in which it did not, as
 * the ingest function reports each run (with the stage and `service` dimensions of its metrics).
 * The minimum over a period of one run's length is 1 only if every run in it failed.
 */
export function sourceFailedMetric(config: TidingsConfig, source: string): Metric {
  return new Metric({
    namespace: 'Tidings',
    metricName: 'SourceFailed',
    dimensionsMap: { service: 'ingest', stage: config.stage, source },
    statistic: 'Minimum',
    period: Duration.minutes(config.ingest.rateMinutes),
  });
}

export interface SourceAlarmsProps {
  target: AlarmTarget;
  config: TidingsConfig;
}

/** An alarm per configured source that failed {@link SOURCE_FAILED_RUNS} ingest runs in a row. */
export class SourceAlarms extends ResourceGroup {
  readonly alarms: StageAlarm[];

  constructor(scope: Construct, id: string, props: SourceAlarmsProps) {
    super(scope, id);
    this.alarms = props.config.sources.map(
      (source) =>
        new StageAlarm(this, `source-failing-${source.id}`, {
          target: props.target,
          metric: sourceFailedMetric(props.config, source.id),
          description: `Source ${source.id} failed ${SOURCE_FAILED_RUNS} ingest runs in a row: see the ingest logs for its error.`,
          threshold: 1,
          evaluationPeriods: SOURCE_FAILED_RUNS,
        }),
    );
  }
}
