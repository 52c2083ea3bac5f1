import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  composeScheduleExpression,
  ingestScheduleExpression,
  SWEEP_SCHEDULE_EXPRESSION,
} from '../../../infra/constructs/schedules.js';
import { parseConfig } from '../../../lambdas/core/config.js';
import {
  actionsOf,
  buildTestApp,
  nagFindings,
  projectSettings,
  resourcesOf,
  roleStatements,
} from '../support.js';

describe('Schedules', () => {
  let template: Template;
  const settings = projectSettings();
  const config = parseConfig(settings);

  beforeAll(() => {
    template = Template.fromStack(buildTestApp(settings).pipeline);
  });

  it('composes each edition at its send time on its send days, in its own time zone', () => {
    for (const edition of config.editions) {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        Name: `tidings-dev-compose-${edition.id}`,
        ScheduleExpression: composeScheduleExpression(edition),
        ScheduleExpressionTimezone: edition.timeZone,
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ComposeFunction'), 'Arn'] },
          Input: JSON.stringify({ edition: edition.id }),
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('SchedulerDeadLetterQueue'), 'Arn'] },
          },
        }),
      });
    }
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'tidings-dev-compose-dc',
      ScheduleExpression: 'cron(30 6 ? * MON,TUE,WED,THU,FRI,SAT *)',
      ScheduleExpressionTimezone: 'America/New_York',
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'tidings-dev-compose-riyadh',
      ScheduleExpression: 'cron(0 7 ? * SUN,MON,TUE,WED,THU,SAT *)',
      ScheduleExpressionTimezone: 'Asia/Riyadh',
    });
  });

  it('ingests at the configured rate', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'tidings-dev-ingest',
      ScheduleExpression: 'rate(15 minutes)',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('IngestFunction'), 'Arn'] },
      }),
    });
  });

  it('writes expressions the Scheduler accepts for edge values', () => {
    const edition = config.editions[0];
    if (!edition) throw new Error('no edition');
    expect(composeScheduleExpression({ ...edition, sendTime: '23:05', sendDays: ['sat', 'sun'] })).toBe(
      'cron(5 23 ? * SAT,SUN *)',
    );
    expect(composeScheduleExpression({ ...edition, sendTime: '00:00', sendDays: ['mon'] })).toBe(
      'cron(0 0 ? * MON,SAT *)', // and on the roundup day
    );
    expect(
      composeScheduleExpression({ ...edition, sendTime: '00:00', sendDays: ['mon'], roundupDay: 'mon' }),
    ).toBe('cron(0 0 ? * MON *)');
    expect(ingestScheduleExpression(1)).toBe('rate(1 minute)');
    expect(ingestScheduleExpression(1440)).toBe('rate(1440 minutes)');
  });

  it('runs them with a role that may invoke only ingest and compose', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
          }),
        ],
      },
    });
    const statements = roleStatements(template, 'SchedulerRole');
    const invoke = statements.filter((s) => actionsOf(s).includes('lambda:InvokeFunction'));
    expect(invoke.flatMap(actionsOf)).toEqual(['lambda:InvokeFunction']);
    expect(invoke.flatMap(resourcesOf)).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/^IngestFunction/), 'Arn'] },
      { 'Fn::GetAtt': [expect.stringMatching(/^ComposeFunction/), 'Arn'] },
    ]);
    expect(statements.flatMap(actionsOf).sort()).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
  });
});

describe('Schedules, readers’ local time', () => {
  it('sweeps the waves every five minutes through compose only when an edition has readerLocalTime, nag-clean', () => {
    const settings = projectSettings() as { editions: Record<string, unknown>[] };
    expect(
      Template.fromStack(buildTestApp(settings).pipeline).findResources('AWS::Scheduler::Schedule', {
        Properties: { Name: 'tidings-dev-sweep' },
      }),
    ).toEqual({});
    settings.editions = settings.editions.map((e) => (e.id === 'dc' ? { ...e, readerLocalTime: true } : e));
    const { pipeline } = buildTestApp(settings);
    Template.fromStack(pipeline).hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'tidings-dev-sweep',
      ScheduleExpression: SWEEP_SCHEDULE_EXPRESSION,
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ComposeFunction'), 'Arn'] },
        Input: JSON.stringify({ sweep: true }),
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 3600 },
      }),
    });
    expect(SWEEP_SCHEDULE_EXPRESSION).toBe('rate(5 minutes)');
    expect(nagFindings(pipeline)).toEqual([]);
  });
});
