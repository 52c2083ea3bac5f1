import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, cdkAnnotations, nagFindings, projectSettings, resourcesOfType } from './support.js';

describe('MonitoringStack', () => {
  let template: Template;
  let findings: ReturnType<typeof nagFindings>;
  let annotations: string[];
  const settings = projectSettings();

  beforeAll(() => {
    const { monitoring } = buildTestApp(settings);
    template = Template.fromStack(monitoring);
    findings = nagFindings(monitoring);
    annotations = cdkAnnotations(monitoring);
  });

  it('sends every alarm and its recovery to the alarm topic', () => {
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(0);
    for (const [, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmsTopic/) }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: expect.stringMatching(/^AlarmsTopic/) }]);
    }
  });

  it('encrypts the alarm topic with a key CloudWatch may use and requires TLS', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'tidings-dev-alarms',
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('AlarmsKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('mails alarms only when an alarm address is configured', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    const other = Template.fromStack(
      buildTestApp({ ...settings, alarmEmail: 'ops@tidings.example' }).monitoring,
    );
    other.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@tidings.example',
    });
  });

  it('passes the AwsSolutions checks with only the acknowledged findings, and CDK warns of nothing', () => {
    expect(findings).toEqual([]);
    expect(annotations).toEqual([]);
  });
});
