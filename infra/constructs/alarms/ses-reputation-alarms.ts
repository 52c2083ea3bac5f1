import { Duration } from 'aws-cdk-lib';
import { ComparisonOperator, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { ResourceGroup } from '../resource-group.js';
import { type AlarmTarget, StageAlarm } from './stage-alarm.js';

/** SES reputation thresholds: above these the account risks review or suspension. */
export const BOUNCE_RATE_THRESHOLD = 0.02;
export const COMPLAINT_RATE_THRESHOLD = 0.0005;

/** An SES reputation metric, the hourly maximum. */
export function sesReputationMetric(metricName: string): Metric {
  return new Metric({ namespace: 'AWS/SES', metricName, statistic: 'Maximum', period: Duration.hours(1) });
}

export interface SesReputationAlarmsProps {
  target: AlarmTarget;
}

/** Bounce and complaint rates above the levels at which AWS reviews an account. */
export class SesReputationAlarms extends ResourceGroup {
  readonly alarms: StageAlarm[];

  constructor(scope: Construct, id: string, props: SesReputationAlarmsProps) {
    super(scope, id);
    this.alarms = [
      new StageAlarm(this, 'ses-bounce-rate', {
        target: props.target,
        metric: sesReputationMetric('Reputation.BounceRate'),
        description: `SES bounce rate above ${BOUNCE_RATE_THRESHOLD * 100}% (AWS reviews accounts at 5%).`,
        threshold: BOUNCE_RATE_THRESHOLD,
        comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      }),
      new StageAlarm(this, 'ses-complaint-rate', {
        target: props.target,
        metric: sesReputationMetric('Reputation.ComplaintRate'),
        description: `SES complaint rate above ${COMPLAINT_RATE_THRESHOLD * 100}% (AWS reviews accounts at 0.1%).`,
        threshold: COMPLAINT_RATE_THRESHOLD,
        comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      }),
    ];
  }
}
