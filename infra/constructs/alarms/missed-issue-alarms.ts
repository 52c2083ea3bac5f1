import { Duration } from 'aws-cdk-lib';
import { ComparisonOperator, MathExpression, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { type EditionConfig, type TidingsConfig, WEEKDAYS } from '../../../lambdas/core/config.js';
import { ResourceGroup } from '../resource-group.js';
import { type AlarmTarget, StageAlarm } from './stage-alarm.js';

/** CloudWatch evaluates at most seven days of data for one alarm. */
const MAX_ALARM_WINDOW_HOURS = 7 * 24;

/**
 * Hours an edition may go without an `IssueComposed` or `IssueSkipped` datapoint before that is a
 * missed issue: the longest gap between its send days plus two hours of slack (26 hours for a
 * daily edition, 74 over a weekend for Monday to Friday), capped at CloudWatch's seven days.
 */
export function missedIssueWindowHours(edition: EditionConfig): number {
  const days = edition.sendDays.map((day) => WEEKDAYS.indexOf(day)).sort((a, b) => a - b);
  let longestGap = 0;
  days.forEach((day, index) => {
    const next = index + 1 < days.length ? (days[index + 1] ?? day) : (days[0] ?? day) + 7;
    longestGap = Math.max(longestGap, next - day);
  });
  return Math.min(longestGap * 24 + 2, MAX_ALARM_WINDOW_HOURS);
}

/** Where a stage's compose metrics are: its `service` name and the stage, dimensions of each. */
export interface ComposeMetrics {
  service: string;
  stage: string;
}

/** The hourly sum of a compose metric of one edition. */
export function issueMetric(compose: ComposeMetrics, metricName: string, edition: string): Metric {
  return new Metric({
    namespace: 'Tidings',
    metricName,
    dimensionsMap: { service: compose.service, stage: compose.stage, edition },
    statistic: 'Sum',
    period: Duration.hours(1),
  });
}

export interface MissedIssueAlarmsProps {
  target: AlarmTarget;
  config: TidingsConfig;
  compose: ComposeMetrics;
}

/** An alarm per edition when its scheduled compose neither composed nor skipped an issue. */
export class MissedIssueAlarms extends ResourceGroup {
  readonly alarms: StageAlarm[] = [];

  constructor(scope: Construct, id: string, props: MissedIssueAlarmsProps) {
    super(scope, id);
    for (const edition of props.config.editions) {
      const hours = missedIssueWindowHours(edition);
      // Composed or skipped (no briefs) both prove the schedule ran; silence is the failure.
      const outcome = new MathExpression({
        expression: 'FILL(composed, 0) + FILL(skipped, 0)',
        usingMetrics: {
          composed: issueMetric(props.compose, 'IssueComposed', edition.id),
          skipped: issueMetric(props.compose, 'IssueSkipped', edition.id),
        },
        label: `${edition.id} issues composed or skipped`,
        period: Duration.hours(1),
      });
      this.alarms.push(
        new StageAlarm(this, `issue-missed-${edition.id}`, {
          target: props.target,
          metric: outcome,
          description: `No ${edition.name} issue was composed or skipped for ${hours} hours: its scheduled run did not happen or failed.`,
          threshold: 1,
          comparison: ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: hours,
          missing: TreatMissingData.BREACHING,
        }),
      );
    }
  }
}
