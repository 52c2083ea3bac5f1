import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
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

    it('keeps the configuration out of the environment, and anything secret', () => {
      for (const name of FUNCTIONS) {
        expect(functionEnvironment(template, `tidings-dev-${name}`).TIDINGS_CONFIG).toBeUndefined();
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

    it('points no pipeline function at bundled templates: the digest template is compiled into compose', () => {
      for (const name of FUNCTIONS) {
        expect(functionEnvironment(template, `tidings-dev-${name}`).TEMPLATES_DIR).toBeUndefined();
      }
    });
  });

  describe('table permissions', () => {
    it('grants each function only the tables and indexes it uses', () => {
      expect(tableAccess(roleStatements(template, 'IngestRole'))).toEqual([
        'briefs/byEdition:read',
        'briefs:read',
        'briefs:write',
      ]);
      expect(tableAccess(roleStatements(template, 'ComposeRole'))).toEqual([
        'briefs/byEdition:read',
        'briefs:read',
        'issues/byEdition:read',
        'issues:read',
        'issues:write',
        'ledger:read',
        'subscribers/activeByEdition:read',
        'subscribers/activeByZone:read',
        'subscribers:read',
      ]);
      expect(tableAccess(roleStatements(template, 'SendRole'))).toEqual([
        'issues:read',
        'issues:write',
        'ledger:read',
        'ledger:write',
        'subscribers:read',
      ]);
      expect(tableAccess(roleStatements(template, 'FeedbackRole'))).toEqual([
        'ledger:read',
        'ledger:write',
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
    it('allows only send to call SES, and only ses:SendRawEmail', () => {
      for (const name of FUNCTIONS) {
        const actions = roleStatements(template, roleOf(name))
          .flatMap(actionsOf)
          .filter((action) => action.startsWith('ses:'));
        expect(actions).toEqual(name === 'send' ? ['ses:SendRawEmail'] : []);
      }
    });
  });

  describe('queues', () => {
    it('encrypts every queue and refuses requests without TLS', () => {
      const queues = resourcesOfType(template, 'AWS::SQS::Queue');
      expect(queues).toHaveLength(5);
      for (const [, queue] of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      const policies = resourcesOfType(template, 'AWS::SQS::QueuePolicy');
      expect(policies).toHaveLength(5);
      for (const [, policy] of policies) {
        expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
      }
    });

    it('lets only compose send to the queue, with its URL in SEND_QUEUE_URL', () => {
      for (const name of FUNCTIONS) {
        // Ingest, compose and feedback also send their failed invocations to their on-failure queues.
        const sends = roleStatements(template, roleOf(name)).filter(
          (s) =>
            actionsOf(s).includes('sqs:SendMessage') && JSON.stringify(resourcesOf(s)).includes('"SendQueue'),
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

  it('passes the AwsSolutions checks with only the acknowledged findings, and CDK warns of nothing', () => {
    expect(findings).toEqual([]);
    expect(annotations).toEqual([]);
  });
});
