import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { SEND_BATCH_SIZE, SEND_MAX_RECEIVE_COUNT } from '../../../infra/constructs/send-queue.js';
import { parseConfig } from '../../../lambdas/core/config.js';
import { planSendRate } from '../../../lambdas/core/send-rate.js';
import { buildTestApp, functionEnvironment, projectSettings, resourcesOfType } from '../support.js';

describe('SendQueue (the send queue with its consumer)', () => {
  let template: Template;
  const settings = projectSettings();
  const config = parseConfig(settings);

  beforeAll(() => {
    template = Template.fromStack(buildTestApp(settings).pipeline);
  });

  it('has a visibility timeout of at least six times the send timeout and a dead-letter queue', () => {
    const send = resourcesOfType(template, 'AWS::Lambda::Function').find(
      ([, fn]) => fn.Properties.FunctionName === 'tidings-dev-send',
    );
    const timeout = send?.[1].Properties.Timeout as number;
    const queue = resourcesOfType(template, 'AWS::SQS::Queue').find(
      ([, q]) => q.Properties.QueueName === 'tidings-dev-send',
    )?.[1];
    expect(queue?.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
    expect(queue?.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^SendDeadLetterQueue/), 'Arn'] },
      maxReceiveCount: SEND_MAX_RECEIVE_COUNT,
    });
  });

  it('feeds send with partial batch responses and the concurrency the SES rate allows', () => {
    const plan = planSendRate(config.ses.maxSendRate);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: Match.stringLikeRegexp('SendFunction') },
      BatchSize: SEND_BATCH_SIZE,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: plan.maxConcurrency },
    });
    // The function derives its share of the rate from the bundled configuration (the same plan).
    expect(functionEnvironment(template, 'tidings-dev-send')).not.toHaveProperty('SEND_MAX_CONCURRENCY');
  });

  it('follows a higher SES rate with more concurrent senders', () => {
    const faster = {
      ...settings,
      ses: { maxSendRate: 200, transientBounceLimit: 3 },
    };
    const other = Template.fromStack(buildTestApp(faster).pipeline);
    other.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 20 },
    });
  });
});
