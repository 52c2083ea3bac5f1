import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, it } from 'vitest';
import { buildTestApp } from '../support.js';

describe('SesSending', () => {
  let template: Template;

  beforeAll(() => {
    template = Template.fromStack(buildTestApp().pipeline);
  });

  it('uses a configuration set with reputation metrics that suppresses bounces and complaints', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSet', {
      Name: 'tidings-dev',
      ReputationOptions: { ReputationMetricsEnabled: true },
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
    });
  });

  it('publishes sends, bounces, complaints, deliveries and rejects to an encrypted topic feeding feedback', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: Match.objectLike({
        Enabled: true,
        MatchingEventTypes: ['send', 'bounce', 'complaint', 'delivery', 'reject'],
        SnsDestination: { TopicARN: { Ref: Match.stringLikeRegexp('SesEventsTopic') } },
      }),
    });
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'tidings-dev-ses-events',
      KmsMasterKeyId: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: Match.stringLikeRegexp('SesEventsTopic') },
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('FeedbackFunction'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'ses.amazonaws.com' },
            Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          }),
        ]),
      },
    });
  });
});
