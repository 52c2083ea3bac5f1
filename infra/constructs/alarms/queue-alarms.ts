import { Duration } from 'aws-cdk-lib';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ResourceGroup } from '../resource-group.js';
import { type AlarmTarget, StageAlarm } from './stage-alarm.js';

export interface QueueAlarmsProps {
  target: AlarmTarget;
  /** Dead-letter queues by a short label; any message in one raises an alarm. */
  deadLetterQueues: Record<string, IQueue>;
}

/** An alarm per dead-letter queue as soon as it holds a message: something failed every retry. */
export class QueueAlarms extends ResourceGroup {
  readonly alarms: StageAlarm[] = [];

  constructor(scope: Construct, id: string, props: QueueAlarmsProps) {
    super(scope, id);
    for (const [label, queue] of Object.entries(props.deadLetterQueues)) {
      this.alarms.push(
        new StageAlarm(this, `${label}-dlq-not-empty`, {
          target: props.target,
          metric: queue.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(5),
            statistic: 'Maximum',
          }),
          description: `Messages are waiting in the ${label} dead-letter queue: they failed every retry.`,
          threshold: 1,
        }),
      );
    }
  }
}
