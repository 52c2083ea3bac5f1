import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { alarmNamedIn, buildTestApp, type CfnResource } from '../../support.js';

describe('QueueAlarms', () => {
  let template: Template;
  const alarmNamed = (name: string): CfnResource => alarmNamedIn(template, name);

  beforeAll(() => {
    template = Template.fromStack(buildTestApp().monitoring);
  });

  it('raises an alarm as soon as a dead-letter queue holds a message', () => {
    for (const label of ['send', 'scheduler', 'feedback']) {
      const alarm = alarmNamed(`tidings-dev-${label}-dlq-not-empty`);
      expect(alarm.Properties).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });
});
