import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { missedIssueWindowHours } from '../../../../infra/constructs/alarms/missed-issue-alarms.js';
import { type EditionConfig, parseConfig } from '../../../../lambdas/core/config.js';
import { alarmNamedIn, buildTestApp, type CfnResource, projectSettings } from '../../support.js';

describe('MissedIssueAlarms', () => {
  let template: Template;
  const config = parseConfig(projectSettings());
  const alarmNamed = (name: string): CfnResource => alarmNamedIn(template, name);

  beforeAll(() => {
    template = Template.fromStack(buildTestApp().monitoring);
  });

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
              { Name: 'stage', Value: 'dev' },
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
      readerLocalTime: false,
      roundupDay: 'sat',
    });
    expect(missedIssueWindowHours(edition(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']))).toBe(26);
    expect(missedIssueWindowHours(edition(['mon', 'tue', 'wed', 'thu', 'fri']))).toBe(74);
    expect(missedIssueWindowHours(edition(['sun', 'mon', 'tue', 'wed', 'thu']))).toBe(74);
    expect(missedIssueWindowHours(edition(['fri', 'mon']))).toBe(4 * 24 + 2);
    // CloudWatch looks back seven days at most.
    expect(missedIssueWindowHours(edition(['wed']))).toBe(168);
  });
});
