import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  composeScheduleExpression,
  ingestScheduleExpression,
  SEND_BATCH_SIZE,
  SEND_MAX_RECEIVE_COUNT,
} from '../../infra/stacks/pipeline-stack.js';
import { parseConfig } from '../../lambdas/core/config.js';
import { planSendRate } from '../../lambdas/core/send-rate.js';
import {
  actionsOf,
  buildTestApp,
  cdkAnnotations,
  functionEnvironment,
  nagFindings,
  projectSettings,
  resourcesOf,
  resourcesOfType,
  roleStatements,
  secretLookingEnvironment,
  tableAccess,
} from './support.js';

const FUNCTIONS = ['ingest', 'compose', 'send', 'feedback'] as const;
const roleOf = (name: string): string => `${name[0]?.toUpperCase()}${name.slice(1)}Role`;

describe('PipelineStack', () => {
  let template: Template;
  let findings: ReturnType<typeof nagFindings>;
  let annotations: string[];
  const settings = projectSettings();
  const config = parseConfig(settings);

  beforeAll(() => {
    const { pipeline } = buildTestApp(settings);
    template = Template.fromStack(pipeline);
    findings = nagFindings(pipeline);
    annotations = cdkAnnotations(pipeline);
  });

  describe('functions', () => {
    it('run Node.js 22 on ARM64 with X-Ray tracing, JSON logs and Powertools settings', () => {
      for (const name of FUNCTIONS) {
        template.hasResourceProperties('AWS::Lambda::Function', {
          FunctionName: `tidings-dev-${name}`,
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: Match.objectLike({ LogFormat: 'JSON', ApplicationLogLevel: 'DEBUG' }),
          Environment: {
            Variables: Match.objectLike({
              POWERTOOLS_SERVICE_NAME: name,
              POWERTOOLS_METRICS_NAMESPACE: 'Tidings',
              LOG_LEVEL: 'DEBUG',
            }),
          },
        });
      }
    });

    it('hands every function the validated configuration and nothing secret', () => {
      for (const name of FUNCTIONS) {
        const environment = functionEnvironment(template, `tidings-dev-${name}`);
        expect(parseConfig(JSON.parse(environment.TIDINGS_CONFIG as string))).toEqual(config);
      }
      expect(secretLookingEnvironment(template)).toEqual([]);
    });

    it('gives the token secret ARN, as a reference, only to the functions that sign or verify tokens', () => {
      for (const name of FUNCTIONS) {
        const value = functionEnvironment(template, `tidings-dev-${name}`).TOKEN_SECRET_ARN;
        if (name === 'send' || name === 'feedback') {
          expect(value).toEqual({ 'Fn::ImportValue': expect.stringMatching(/TokenSecret/) });
          const reads = roleStatements(template, roleOf(name)).filter((s) =>
            actionsOf(s).includes('secretsmanager:GetSecretValue'),
          );
          expect(reads.flatMap(resourcesOf)).toEqual([value]);
        } else {
          expect(value).toBeUndefined();
        }
      }
    });

    it('keeps log groups with a retention period', () => {
      for (const name of FUNCTIONS) {
        template.hasResourceProperties('AWS::Logs::LogGroup', {
          LogGroupName: `/aws/lambda/tidings-dev-${name}`,
          RetentionInDays: 7,
        });
      }
    });

    it('points only compose at bundled templates', () => {
      for (const name of FUNCTIONS) {
        const value = functionEnvironment(template, `tidings-dev-${name}`).TEMPLATES_DIR;
        expect(value).toBe(name === 'compose' ? '/var/task/templates' : undefined);
      }
    });
  });

  describe('table permissions', () => {
    it('grants each function only the tables and indexes it uses', () => {
      expect(tableAccess(roleStatements(template, 'IngestRole'))).toEqual(['briefs:read', 'briefs:write']);
      expect(tableAccess(roleStatements(template, 'ComposeRole'))).toEqual([
        'briefs/byEdition:read',
        'briefs:read',
        'issues/byEdition:read',
        'issues:read',
        'issues:write',
        'subscribers/activeByEdition:read',
        'subscribers:read',
      ]);
      expect(tableAccess(roleStatements(template, 'SendRole'))).toEqual([
        'issues:read',
        'ledger:read',
        'ledger:write',
        'subscribers:read',
      ]);
      expect(tableAccess(roleStatements(template, 'FeedbackRole'))).toEqual([
        'subscribers:read',
        'subscribers:write',
      ]);
    });

    it('names no wildcard action and no Scan', () => {
      for (const name of FUNCTIONS) {
        const actions = roleStatements(template, roleOf(name)).flatMap(actionsOf);
        expect(actions.filter((action) => action.includes('*'))).toEqual([]);
        expect(actions).not.toContain('dynamodb:Scan');
      }
    });

    it('sets the table-name variable exactly for the tables granted', () => {
      expect(
        Object.keys(functionEnvironment(template, 'tidings-dev-send')).filter((k) => k.startsWith('TABLE_')),
      ).toEqual(expect.arrayContaining(['TABLE_ISSUES', 'TABLE_SUBSCRIBERS', 'TABLE_LEDGER']));
      expect(functionEnvironment(template, 'tidings-dev-send').TABLE_BRIEFS).toBeUndefined();
      expect(functionEnvironment(template, 'tidings-dev-ingest').TABLE_SUBSCRIBERS).toBeUndefined();
      expect(functionEnvironment(template, 'tidings-dev-ingest').TABLE_BRIEFS).toEqual({
        'Fn::ImportValue': expect.stringMatching(/BriefsTable/),
      });
    });
  });

  describe('SES', () => {
    it('allows only send to call ses:SendRawEmail, on the identity and configuration set alone', () => {
      for (const name of FUNCTIONS) {
        const sesStatements = roleStatements(template, roleOf(name)).filter((s) =>
          actionsOf(s).some((action) => action.startsWith('ses:')),
        );
        if (name !== 'send') {
          expect(sesStatements).toEqual([]);
          continue;
        }
        expect(sesStatements.flatMap(actionsOf)).toEqual(['ses:SendRawEmail']);
        const resources = sesStatements.flatMap(resourcesOf).map((r) => JSON.stringify(r));
        expect(resources).toHaveLength(2);
        expect(resources[0]).toMatch(/:ses:.*:identity\/tidings\.example"/);
        expect(resources[1]).toMatch(/:ses:.*:configuration-set\/tidings"/);
      }
    });

    it('verifies the sending domain with Easy DKIM and a custom MAIL FROM domain', () => {
      template.hasResourceProperties('AWS::SES::EmailIdentity', {
        EmailIdentity: 'tidings.example',
        MailFromAttributes: { MailFromDomain: 'mail.tidings.example' },
        ConfigurationSetAttributes: { ConfigurationSetName: { Ref: Match.anyValue() } },
      });
      const outputs = Object.keys(template.findOutputs('*'));
      expect(outputs.filter((name) => name.startsWith('DkimRecord'))).toHaveLength(3);
      expect(outputs).toEqual(expect.arrayContaining(['MailFromMx', 'MailFromSpf', 'InboundMx']));
    });

    it('uses a configuration set with reputation metrics that suppresses bounces and complaints', () => {
      template.hasResourceProperties('AWS::SES::ConfigurationSet', {
        Name: 'tidings',
        ReputationOptions: { ReputationMetricsEnabled: true },
        SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
      });
    });

    it('publishes bounces, complaints, deliveries and rejects to an encrypted topic feeding feedback', () => {
      template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
        EventDestination: Match.objectLike({
          Enabled: true,
          MatchingEventTypes: ['bounce', 'complaint', 'delivery', 'reject'],
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

  describe('send queue', () => {
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

    it('encrypts every queue and refuses requests without TLS', () => {
      const queues = resourcesOfType(template, 'AWS::SQS::Queue');
      expect(queues).toHaveLength(4);
      for (const [, queue] of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      const policies = resourcesOfType(template, 'AWS::SQS::QueuePolicy');
      expect(policies).toHaveLength(4);
      for (const [, policy] of policies) {
        expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
      }
    });

    it('feeds send with partial batch responses and the concurrency the SES rate allows', () => {
      const plan = planSendRate(config.ses.maxSendRate);
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: Match.stringLikeRegexp('SendFunction') },
        BatchSize: SEND_BATCH_SIZE,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: plan.maxConcurrency },
      });
      expect(functionEnvironment(template, 'tidings-dev-send').SEND_MAX_CONCURRENCY).toBe(
        String(plan.maxConcurrency),
      );
    });

    it('follows a higher SES rate with more concurrent senders', () => {
      const faster = {
        ...settings,
        ses: { maxSendRate: 200, configurationSet: 'tidings', transientBounceLimit: 3 },
      };
      const other = Template.fromStack(buildTestApp(faster).pipeline);
      other.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        ScalingConfig: { MaximumConcurrency: 20 },
      });
      expect(functionEnvironment(other, 'tidings-dev-send').SEND_MAX_CONCURRENCY).toBe('20');
    });

    it('lets only compose send to the queue, with its URL in SEND_QUEUE_URL', () => {
      for (const name of FUNCTIONS) {
        const sends = roleStatements(template, roleOf(name)).filter((s) =>
          actionsOf(s).includes('sqs:SendMessage'),
        );
        const environment = functionEnvironment(template, `tidings-dev-${name}`);
        if (name === 'compose') {
          expect(sends.flatMap(resourcesOf)).toEqual([
            { 'Fn::GetAtt': [expect.stringMatching(/^SendQueue/), 'Arn'] },
          ]);
          expect(environment.SEND_QUEUE_URL).toEqual({ Ref: expect.stringMatching(/^SendQueue/) });
        } else {
          expect(environment.SEND_QUEUE_URL).toBeUndefined();
        }
      }
    });
  });

  describe('schedules', () => {
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
        ScheduleExpression: 'cron(30 6 ? * MON,TUE,WED,THU,FRI *)',
        ScheduleExpressionTimezone: 'America/New_York',
      });
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        Name: 'tidings-dev-compose-riyadh',
        ScheduleExpression: 'cron(0 7 ? * SUN,MON,TUE,WED,THU *)',
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
        'cron(0 0 ? * MON *)',
      );
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

  it('passes the AwsSolutions checks with only the acknowledged findings, and CDK warns of nothing', () => {
    expect(findings).toEqual([]);
    expect(annotations).toEqual([]);
  });
});
