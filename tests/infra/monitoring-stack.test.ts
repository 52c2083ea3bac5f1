import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BOUNCE_RATE_THRESHOLD,
  COMPLAINT_RATE_THRESHOLD,
  missedIssueWindowHours,
} from '../../infra/stacks/monitoring-stack.js';
import { type EditionConfig, parseConfig } from '../../lambdas/core/config.js';
import {
  buildTestApp,
  type CfnResource,
  cdkAnnotations,
  nagFindings,
  projectSettings,
  resourcesOfType,
} from './support.js';

describe('MonitoringStack', () => {
  let template: Template;
  let findings: ReturnType<typeof nagFindings>;
  let annotations: string[];
  const settings = projectSettings();
  const config = parseConfig(settings);

  const alarmNamed = (name: string): CfnResource => {
    const found = resourcesOfType(template, 'AWS::CloudWatch::Alarm').find(
      ([, alarm]) => alarm.Properties.AlarmName === name,
    );
    if (!found) throw new Error(`no alarm named ${name}`);
    return found[1];
  };

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

  it('watches errors and throttles of every function', () => {
    for (const name of ['ingest', 'compose', 'send', 'feedback', 'api']) {
      expect(alarmNamed(`tidings-dev-${name}-errors`).Properties).toMatchObject({
        MetricName: 'Errors',
        Threshold: 1,
      });
      expect(alarmNamed(`tidings-dev-${name}-throttles`).Properties).toMatchObject({
        MetricName: 'Throttles',
        Threshold: 1,
      });
    }
  });

  it('alarms on SES bounce rate above 2% and complaint rate above 0.05%', () => {
    expect(BOUNCE_RATE_THRESHOLD).toBe(0.02);
    expect(COMPLAINT_RATE_THRESHOLD).toBe(0.0005);
    expect(alarmNamed('tidings-dev-ses-bounce-rate').Properties).toMatchObject({
      Namespace: 'AWS/SES',
      MetricName: 'Reputation.BounceRate',
      Threshold: 0.02,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(alarmNamed('tidings-dev-ses-complaint-rate').Properties).toMatchObject({
      Namespace: 'AWS/SES',
      MetricName: 'Reputation.ComplaintRate',
      Threshold: 0.0005,
    });
  });

  describe('missed issues', () => {
    it('alarms per edition when neither IssueComposed nor IssueSkipped arrived in its window', () => {
      for (const edition of config.editions) {
        const alarm = alarmNamed(`tidings-dev-issue-missed-${edition.id}`);
        const hours = missedIssueWindowHours(edition);
        expect(alarm.Properties).toMatchObject({
          ComparisonOperator: 'LessThanThreshold',
          Threshold: 1,
          EvaluationPeriods: hours,
          DatapointsToAlarm: hours,
          TreatMissingData: 'breaching',
        });
        const metrics = alarm.Properties.Metrics as {
          Id: string;
          Expression?: string;
          MetricStat?: {
            Metric: { Namespace: string; MetricName: string; Dimensions: unknown[] };
            Period: number;
          };
        }[];
        expect(metrics.find((m) => m.Expression)?.Expression).toBe('FILL(composed, 0) + FILL(skipped, 0)');
        for (const [id, metricName] of [
          ['composed', 'IssueComposed'],
          ['skipped', 'IssueSkipped'],
        ]) {
          expect(metrics.find((m) => m.Id === id)?.MetricStat).toMatchObject({
            Metric: {
              Namespace: 'Tidings',
              MetricName: metricName,
              Dimensions: expect.arrayContaining([
                { Name: 'edition', Value: edition.id },
                { Name: 'service', Value: 'compose' },
              ]),
            },
            Period: 3600,
          });
        }
      }
    });

    it('waits 26 hours for a daily edition and over the weekend for a weekday edition', () => {
      const edition = (sendDays: EditionConfig['sendDays']): EditionConfig => ({
        id: 'x',
        name: 'X',
        timeZone: 'UTC',
        sendTime: '07:00',
        sendDays,
        holdForApproval: false,
      });
      expect(missedIssueWindowHours(edition(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']))).toBe(26);
      expect(missedIssueWindowHours(edition(['mon', 'tue', 'wed', 'thu', 'fri']))).toBe(74);
      expect(missedIssueWindowHours(edition(['sun', 'mon', 'tue', 'wed', 'thu']))).toBe(74);
      expect(missedIssueWindowHours(edition(['fri', 'mon']))).toBe(4 * 24 + 2);
      // CloudWatch looks back seven days at most.
      expect(missedIssueWindowHours(edition(['wed']))).toBe(168);
    });
  });

  it('draws a dashboard of functions, queues, SES and the API', () => {
    const [[, dashboard] = []] = resourcesOfType(template, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const title of ['Invocations', 'Send queue', 'SES reputation', 'Issues composed', 'Reader API']) {
      expect(body).toContain(title);
    }
  });

  it('passes the AwsSolutions checks with only the acknowledged findings, and CDK warns of nothing', () => {
    expect(findings).toEqual([]);
    expect(annotations).toEqual([]);
  });
});
