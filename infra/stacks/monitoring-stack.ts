import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type EditionConfig, type TidingsConfig, WEEKDAYS } from '../../lambdas/core/config.js';
import { EncryptedTopic } from '../constructs/encrypted-topic.js';
import type { TidingsFunction } from '../constructs/tidings-function.js';

export interface MonitoringStackProps extends StackProps {
  config: TidingsConfig;
  functions: TidingsFunction[];
  /** The compose function: its `service` name is a dimension of the issue metrics. */
  compose: TidingsFunction;
  sendQueue: IQueue;
  /** Dead-letter queues by a short label; any message in one raises an alarm. */
  deadLetterQueues: Record<string, IQueue>;
  httpApi: HttpApi;
}

/** SES reputation thresholds: above these the account risks review or suspension. */
export const BOUNCE_RATE_THRESHOLD = 0.02;
export const COMPLAINT_RATE_THRESHOLD = 0.0005;

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

/** Alarms (to an SNS topic, optionally mailed to `alarmEmail`) and a dashboard for the whole pipeline. */
export class MonitoringStack extends Stack {
  readonly alarmTopic: EncryptedTopic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { config } = props;
    const prefix = `tidings-${config.stage}`;

    this.alarmTopic = new EncryptedTopic(this, 'Alarms', {
      topicName: `${prefix}-alarms`,
      displayName: `Tidings ${config.stage} alarms`,
      publishers: ['cloudwatch.amazonaws.com'],
    });
    if (config.alarmEmail) {
      this.alarmTopic.topic.addSubscription(new EmailSubscription(config.alarmEmail));
    }
    const notify = new SnsAction(this.alarmTopic.topic);
    const alarm = (
      id: string,
      metric: IMetric,
      options: {
        description: string;
        threshold: number;
        comparison?: ComparisonOperator;
        evaluationPeriods?: number;
        missing?: TreatMissingData;
      },
    ): Alarm => {
      const created = new Alarm(this, id, {
        alarmName: `${prefix}-${id}`,
        alarmDescription: options.description,
        metric,
        threshold: options.threshold,
        comparisonOperator: options.comparison ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: options.evaluationPeriods ?? 1,
        datapointsToAlarm: options.evaluationPeriods ?? 1,
        treatMissingData: options.missing ?? TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(notify);
      created.addOkAction(notify);
      this.alarms.push(created);
      return created;
    };

    const fiveMinutes = Duration.minutes(5);
    for (const [label, queue] of Object.entries(props.deadLetterQueues)) {
      alarm(
        `${label}-dlq-not-empty`,
        queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }),
        {
          description: `Messages are waiting in the ${label} dead-letter queue: they failed every retry.`,
          threshold: 1,
        },
      );
    }
    for (const fn of props.functions) {
      alarm(`${fn.name}-errors`, fn.fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }), {
        description: `The ${fn.name} function reported errors.`,
        threshold: 1,
      });
      alarm(`${fn.name}-throttles`, fn.fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }), {
        description: `The ${fn.name} function was throttled.`,
        threshold: 1,
      });
    }
    const sesMetric = (metricName: string): Metric =>
      new Metric({ namespace: 'AWS/SES', metricName, statistic: 'Maximum', period: Duration.hours(1) });
    alarm('ses-bounce-rate', sesMetric('Reputation.BounceRate'), {
      description: `SES bounce rate above ${BOUNCE_RATE_THRESHOLD * 100}% (AWS reviews accounts at 5%).`,
      threshold: BOUNCE_RATE_THRESHOLD,
      comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    alarm('ses-complaint-rate', sesMetric('Reputation.ComplaintRate'), {
      description: `SES complaint rate above ${COMPLAINT_RATE_THRESHOLD * 100}% (AWS reviews accounts at 0.1%).`,
      threshold: COMPLAINT_RATE_THRESHOLD,
      comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    alarm('api-5xx', props.httpApi.metricServerError({ period: fiveMinutes, statistic: 'Sum' }), {
      description: 'The reader API answered with server errors.',
      threshold: 1,
    });

    const issueMetric = (metricName: string, edition: string): Metric =>
      new Metric({
        namespace: 'Tidings',
        metricName,
        dimensionsMap: { service: props.compose.serviceName, edition },
        statistic: 'Sum',
        period: Duration.hours(1),
      });
    for (const edition of config.editions) {
      const hours = missedIssueWindowHours(edition);
      // Composed or skipped (no briefs) both prove the schedule ran; silence is the failure.
      const outcome = new MathExpression({
        expression: 'FILL(composed, 0) + FILL(skipped, 0)',
        usingMetrics: {
          composed: issueMetric('IssueComposed', edition.id),
          skipped: issueMetric('IssueSkipped', edition.id),
        },
        label: `${edition.id} issues composed or skipped`,
        period: Duration.hours(1),
      });
      alarm(`issue-missed-${edition.id}`, outcome, {
        description: `No ${edition.name} issue was composed or skipped for ${hours} hours: its scheduled run did not happen or failed.`,
        threshold: 1,
        comparison: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: hours,
        missing: TreatMissingData.BREACHING,
      });
    }

    // ------------------------------------------------------------------ dashboard
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `${prefix}` });
    const wide = { width: 12, height: 6 } as const;
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# Tidings ${config.stage}\nIngest, compose, send and feedback functions, the send queue, SES reputation and the reader API.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Invocations',
        left: props.functions.map((fn) => fn.fn.metricInvocations({ label: fn.name, period: fiveMinutes })),
        ...wide,
      }),
      new GraphWidget({
        title: 'Errors and throttles',
        left: props.functions.map((fn) =>
          fn.fn.metricErrors({ label: `${fn.name} errors`, period: fiveMinutes }),
        ),
        right: props.functions.map((fn) =>
          fn.fn.metricThrottles({ label: `${fn.name} throttles`, period: fiveMinutes }),
        ),
        ...wide,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Duration p95 (ms)',
        left: props.functions.map((fn) =>
          fn.fn.metricDuration({ label: fn.name, statistic: 'p95', period: fiveMinutes }),
        ),
        ...wide,
      }),
      new GraphWidget({
        title: 'Send queue',
        left: [
          props.sendQueue.metricApproximateNumberOfMessagesVisible({ label: 'waiting', period: fiveMinutes }),
          props.sendQueue.metricApproximateNumberOfMessagesNotVisible({
            label: 'in flight',
            period: fiveMinutes,
          }),
        ],
        right: Object.entries(props.deadLetterQueues).map(([label, queue]) =>
          queue.metricApproximateNumberOfMessagesVisible({ label: `${label} DLQ`, period: fiveMinutes }),
        ),
        ...wide,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'SES sending',
        left: ['Send', 'Delivery', 'Bounce', 'Complaint', 'Reject'].map(
          (name) =>
            new Metric({
              namespace: 'AWS/SES',
              metricName: name,
              statistic: 'Sum',
              period: Duration.hours(1),
            }),
        ),
        ...wide,
      }),
      new GraphWidget({
        title: 'SES reputation',
        left: [sesMetric('Reputation.BounceRate'), sesMetric('Reputation.ComplaintRate')],
        ...wide,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Issues composed (per edition)',
        left: config.editions.map((edition) =>
          issueMetric('IssueComposed', edition.id).with({ label: edition.id }),
        ),
        right: config.editions.map((edition) =>
          issueMetric('IssueSkipped', edition.id).with({ label: `${edition.id} skipped` }),
        ),
        ...wide,
      }),
      new GraphWidget({
        title: 'Reader API',
        left: [
          props.httpApi.metricCount({ label: 'requests', period: fiveMinutes }),
          props.httpApi.metricClientError({ label: '4xx', period: fiveMinutes }),
          props.httpApi.metricServerError({ label: '5xx', period: fiveMinutes }),
        ],
        right: [props.httpApi.metricLatency({ label: 'latency p95', statistic: 'p95', period: fiveMinutes })],
        ...wide,
      }),
    );
  }
}
