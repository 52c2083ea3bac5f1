import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Dashboard, GraphWidget, Metric, TextWidget } from 'aws-cdk-lib/aws-cloudwatch';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { TidingsConfig } from '../../lambdas/core/config.js';
import { type ComposeMetrics, issueMetric } from './alarms/missed-issue-alarms.js';
import { sesReputationMetric } from './alarms/ses-reputation-alarms.js';
import type { TidingsFunction } from './tidings-function.js';

export interface PipelineDashboardProps {
  config: TidingsConfig;
  functions: TidingsFunction[];
  compose: ComposeMetrics;
  sendQueue: IQueue;
  deadLetterQueues: Record<string, IQueue>;
  httpApi: HttpApi;
}

/** One dashboard per stage: functions, the send queue and its dead letters, SES, issues and the API. */
export class PipelineDashboard extends Dashboard {
  constructor(scope: Construct, id: string, props: PipelineDashboardProps) {
    super(scope, id, { dashboardName: `tidings-${props.config.stage}` });
    const fiveMinutes = Duration.minutes(5);
    const wide = { width: 12, height: 6 } as const;
    this.addWidgets(
      new TextWidget({
        markdown: `# Tidings ${props.config.stage}\nIngest, compose, send and feedback functions, the send queue, SES reputation and the reader API.`,
        width: 24,
        height: 2,
      }),
    );
    this.addWidgets(
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
    this.addWidgets(
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
    this.addWidgets(
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
        left: [sesReputationMetric('Reputation.BounceRate'), sesReputationMetric('Reputation.ComplaintRate')],
        ...wide,
      }),
    );
    this.addWidgets(
      new GraphWidget({
        title: 'Issues composed (per edition)',
        left: props.config.editions.map((edition) =>
          issueMetric(props.compose, 'IssueComposed', edition.id).with({ label: edition.id }),
        ),
        right: props.config.editions.map((edition) =>
          issueMetric(props.compose, 'IssueSkipped', edition.id).with({
            label: `${edition.id} skipped`,
          }),
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
