import type { StackProps } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { TidingsConfig } from '../../lambdas/core/config.js';
import { FunctionAlarms } from '../constructs/alarms/function-alarms.js';
import { HeldIssueAlarms } from '../constructs/alarms/held-issue-alarms.js';
import { MissedIssueAlarms } from '../constructs/alarms/missed-issue-alarms.js';
import { QueueAlarms } from '../constructs/alarms/queue-alarms.js';
import { SesReputationAlarms } from '../constructs/alarms/ses-reputation-alarms.js';
import { SourceAlarms } from '../constructs/alarms/source-alarms.js';
import type { AlarmTarget } from '../constructs/alarms/stage-alarm.js';
import { EncryptedTopic } from '../constructs/encrypted-topic.js';
import { PipelineDashboard } from '../constructs/pipeline-dashboard.js';
import { GroupedStack } from '../constructs/resource-group.js';
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

/** Alarms (to an SNS topic, optionally mailed to `alarmEmail`) and a dashboard for the whole pipeline. */
export class MonitoringStack extends GroupedStack {
  readonly alarmTopic: EncryptedTopic;
  readonly alarms: Alarm[];
  readonly dashboard: PipelineDashboard;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.alarmTopic = new EncryptedTopic(this, 'Alarms', {
      topicName: `tidings-${config.stage}-alarms`,
      displayName: `Tidings ${config.stage} alarms`,
      publishers: ['cloudwatch.amazonaws.com'],
    });
    if (config.alarmEmail) {
      this.alarmTopic.topic.addSubscription(new EmailSubscription(config.alarmEmail));
    }
    const target: AlarmTarget = { stage: config.stage, notify: new SnsAction(this.alarmTopic.topic) };
    const compose = { service: props.compose.serviceName, stage: config.stage };

    this.alarms = [
      ...new QueueAlarms(this, 'QueueAlarms', {
        target,
        sendQueue: props.sendQueue,
        deadLetterQueues: props.deadLetterQueues,
      }).alarms,
      ...new SourceAlarms(this, 'SourceAlarms', { target, config }).alarms,
      ...new HeldIssueAlarms(this, 'HeldIssueAlarms', { target, config, compose }).alarms,
      ...new FunctionAlarms(this, 'FunctionAlarms', {
        target,
        functions: props.functions,
        httpApi: props.httpApi,
      }).alarms,
      ...new SesReputationAlarms(this, 'SesReputationAlarms', { target }).alarms,
      ...new MissedIssueAlarms(this, 'MissedIssueAlarms', { target, config, compose }).alarms,
    ];

    this.dashboard = new PipelineDashboard(this, 'Dashboard', {
      config,
      functions: props.functions,
      compose,
      sendQueue: props.sendQueue,
      deadLetterQueues: props.deadLetterQueues,
      httpApi: props.httpApi,
    });
  }
}
