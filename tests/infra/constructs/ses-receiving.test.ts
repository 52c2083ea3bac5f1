import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, it } from 'vitest';
import { buildTestApp } from '../support.js';

describe('SesReceiving', () => {
  let template: Template;

  beforeAll(() => {
    template = Template.fromStack(buildTestApp().pipeline);
  });

  it('routes mail to the unsubscribe address (and its plus-labelled forms) to feedback', () => {
    template.hasResourceProperties('AWS::SES::ReceiptRule', {
      Rule: Match.objectLike({
        Enabled: true,
        Recipients: ['unsubscribe@tidings.example'],
        Actions: [
          {
            LambdaAction: {
              FunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('FeedbackFunction'), 'Arn'] },
              InvocationType: 'Event',
            },
          },
        ],
      }),
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'ses.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('FeedbackFunction'), 'Arn'] },
    });
  });
});
