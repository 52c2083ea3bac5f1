import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { RUN_RETRIES } from '../../infra/constructs/schedules.js';
import {
  actionsOf,
  alarmNamedIn,
  buildStageApp,
  buildTestApp,
  PROD_OVERRIDES,
  projectSettings,
  resourcesOf,
  resourcesOfType,
  roleStatements,
} from './support.js';

// The faults a first real deployment would hit (issue 13), each as the stacks must now be.

describe('SES sending that works in the sandbox', () => {
  it('lets send and api send through any identity (recipients are identities in the sandbox) from the sender only', () => {
    const { pipeline, api, config } = buildTestApp();
    for (const [template, role] of [
      [Template.fromStack(pipeline), 'SendRole'],
      [Template.fromStack(api), 'ApiRole'],
    ] as const) {
      const statements = roleStatements(template, role).filter((s) =>
        actionsOf(s).includes('ses:SendRawEmail'),
      );
      expect(statements).toHaveLength(1);
      const [statement] = statements;
      expect(actionsOf(statement ?? { Effect: '', Action: [], Resource: [] })).toEqual(['ses:SendRawEmail']);
      const resources = (statement ? resourcesOf(statement) : []).map((r) => JSON.stringify(r));
      expect(resources[0]).toMatch(/:ses:.*:identity\/\*"/);
      expect(resources[1]).toMatch(/:configuration-set\/tidings-dev"/);
      expect(statement?.Condition).toEqual({ StringEquals: { 'ses:FromAddress': config.sender.address } });
    }
  });
});

describe('the sending identity', () => {
  it('lives in the stateful stack and outlives it, with its DNS records as that stack’s outputs', () => {
    const { data, pipeline } = buildStageApp('prod');
    const dataTemplate = Template.fromStack(data);
    const identities = resourcesOfType(dataTemplate, 'AWS::SES::EmailIdentity');
    expect(identities).toHaveLength(1);
    expect(identities[0]?.[1]).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: { EmailIdentity: PROD_OVERRIDES.sender.domain },
    });
    Template.fromStack(pipeline).resourceCountIs('AWS::SES::EmailIdentity', 0);
    expect(Object.keys(dataTemplate.findOutputs('*'))).toEqual(
      expect.arrayContaining(['DkimRecord1', 'DkimRecord2', 'DkimRecord3', 'MailFromMx', 'InboundMx']),
    );
  });

  it('is used as it is when it exists already, so the first deploy does not fail on "already exists"', () => {
    const { data } = buildTestApp(projectSettings(), { tidingsDeploy: { dev: { existingIdentity: true } } });
    const template = Template.fromStack(data);
    template.resourceCountIs('AWS::SES::EmailIdentity', 0);
    const outputs = Object.keys(template.findOutputs('*'));
    expect(outputs.filter((name) => name.startsWith('DkimRecord'))).toEqual([]);
    expect(outputs).toEqual(expect.arrayContaining(['MailFromMx', 'MailFromSpf', 'InboundMx']));
  });

  it('refuses a deploy option it does not know, naming it', () => {
    expect(() =>
      buildTestApp(projectSettings(), { tidingsDeploy: { dev: { existingIdentiy: true } } }),
    ).toThrow(/tidingsDeploy\.dev/);
  });
});

describe('scheduled and asynchronous failures', () => {
  let pipeline: Template;
  let monitoring: Template;
  const settings = {
    ...projectSettings(),
    sources: [
      { id: 'wire', location: 'https://wire.tidings-media.eu/rss.xml' },
      { id: 'desk', location: 'https://desk.tidings-media.eu/briefs.json', format: 'tidings' },
    ],
    editions: [
      ...(projectSettings().editions as object[]),
      { id: 'held', name: 'Held', timeZone: 'UTC', sendTime: '05:00', holdForApproval: true },
    ],
  };

  beforeAll(() => {
    const stacks = buildTestApp(settings);
    pipeline = Template.fromStack(stacks.pipeline);
    monitoring = Template.fromStack(stacks.monitoring);
  });

  const invokeConfigOf = (functionId: string): Record<string, unknown> => {
    const found = resourcesOfType(pipeline, 'AWS::Lambda::EventInvokeConfig').find(([, config]) =>
      JSON.stringify(config.Properties.FunctionName).includes(functionId),
    );
    if (!found) throw new Error(`no asynchronous invocation settings for ${functionId}`);
    return found[1].Properties;
  };

  it('give every asynchronously invoked function explicit retries and an on-failure queue', () => {
    const expected = {
      IngestFunction: RUN_RETRIES.ingest,
      ComposeFunction: RUN_RETRIES.compose,
      FeedbackFunction: 2,
    };
    expect(RUN_RETRIES.ingest).toBe(0);
    for (const [functionId, retries] of Object.entries(expected)) {
      const config = invokeConfigOf(functionId);
      expect(config.MaximumRetryAttempts, functionId).toBe(retries);
      expect(config.DestinationConfig, functionId).toEqual({
        OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/Queue/), 'Arn'] } },
      });
    }
    pipeline.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'tidings-dev-failed-runs' });
  });

  it('raise an alarm on a message in the failed-runs queue and on an old message in the send queue', () => {
    expect(alarmNamedIn(monitoring, 'tidings-dev-failed-runs-dlq-not-empty').Properties).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
    });
    expect(alarmNamedIn(monitoring, 'tidings-dev-send-queue-age').Properties).toMatchObject({
      MetricName: 'ApproximateAgeOfOldestMessage',
      Namespace: 'AWS/SQS',
      Statistic: 'Maximum',
      Threshold: 24 * 60,
    });
    expect(
      JSON.stringify(alarmNamedIn(monitoring, 'tidings-dev-send-queue-age').Properties.Dimensions),
    ).toMatch(/SendQueue/);
  });

  it('raise an alarm per source that failed three ingest runs in a row', () => {
    for (const source of ['wire', 'desk']) {
      expect(alarmNamedIn(monitoring, `tidings-dev-source-failing-${source}`).Properties).toMatchObject({
        Namespace: 'Tidings',
        MetricName: 'SourceFailed',
        Statistic: 'Minimum',
        Period: 15 * 60,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        Threshold: 1,
        Dimensions: expect.arrayContaining([
          { Name: 'source', Value: source },
          { Name: 'stage', Value: 'dev' },
          { Name: 'service', Value: 'ingest' },
        ]),
      });
    }
  });

  it('raise an alarm when an issue is held past its send time, for editions that hold', () => {
    expect(alarmNamedIn(monitoring, 'tidings-dev-issue-held-held').Properties).toMatchObject({
      MetricName: 'IssueHeld',
      Threshold: 1,
      Dimensions: expect.arrayContaining([
        { Name: 'edition', Value: 'held' },
        { Name: 'stage', Value: 'dev' },
      ]),
    });
    expect(() => alarmNamedIn(monitoring, 'tidings-dev-issue-held-dc')).toThrow(/no alarm/);
  });
});

describe('teardown', () => {
  it("deactivates the stage's receipt rule set before deleting it", () => {
    const template = Template.fromStack(buildTestApp().pipeline);
    const [[ruleSetId] = []] = resourcesOfType(template, 'AWS::SES::ReceiptRuleSet');
    const activations = resourcesOfType(template, 'Custom::TidingsReceiptRuleSetActivation');
    expect(activations).toHaveLength(1);
    const [, activation] = activations[0] ?? [];
    expect(activation?.Properties.RuleSetName).toEqual({ Ref: ruleSetId });
    template.hasResourceProperties('AWS::IAM::Role', {
      Policies: [
        {
          PolicyName: 'Inline',
          PolicyDocument: {
            Statement: [
              Match.objectLike({
                Action: ['ses:DescribeActiveReceiptRuleSet', 'ses:SetActiveReceiptRuleSet'],
              }),
            ],
          },
        },
      ],
    });
  });

  it("adds a second stage's rule to the region's shared rule set instead, touching no activation", () => {
    const { pipeline } = buildTestApp(projectSettings(), {
      tidingsDeploy: { dev: { receiptRuleSet: 'tidings-prod-inbound' } },
    });
    const template = Template.fromStack(pipeline);
    template.resourceCountIs('AWS::SES::ReceiptRuleSet', 0);
    template.resourceCountIs('Custom::TidingsReceiptRuleSetActivation', 0);
    template.hasResourceProperties('AWS::SES::ReceiptRule', {
      RuleSetName: 'tidings-prod-inbound',
      Rule: Match.objectLike({
        Name: 'tidings-dev-unsubscribe',
        Recipients: ['unsubscribe@tidings.example'],
      }),
    });
  });
});
