import { Duration } from 'aws-cdk-lib';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ResourceGroup } from '../resource-group.js';
import { type AlarmTarget, StageAlarm } from './stage-alarm.js';

/**
 * Age of the send queue's oldest message that raises an alarm: twice the send queue's visibility
 * timeout, so a batch that failed once and waits for its next attempt is already one, long before
 * its fifth failure parks it in the dead-letter queue an hour later.
 */
export const SEND_QUEUE_AGE_ALARM = Duration.minutes(24);

export interface QueueAlarmsProps {
  target: AlarmTarget;
  /** The send queue, whose oldest message should never be old. */
  sendQueue: IQueue;
  /** Dead-letter queues by a short label; any message in one raises an alarm. */
  deadLetterQueues: Record<string, IQueue>;
}

/**
 * An alarm per dead-letter queue as soon as it holds a message (something failed every retry), and
 * one on the send queue's oldest message getting old (sending is failing or stuck).
 */
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
    this.alarms.push(
      new StageAlarm(this, 'send-queue-age', {
        target: props.target,
        metric: props.sendQueue.metricApproximateAgeOfOldestMessage({
          period: Duration.minutes(5),
          statistic: 'Maximum',
        }),
        description: `The send queue's oldest message is over ${SEND_QUEUE_AGE_ALARM.toMinutes()} minutes old: sends are failing or stuck.`,
        threshold: SEND_QUEUE_AGE_ALARM.toSeconds(),
      }),
    );
  }
}
