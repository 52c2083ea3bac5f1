import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TidingsFunction } from '../../../infra/constructs/tidings-function.js';
import { parseConfig } from '../../../lambdas/core/config.js';
import {
  actionsOf,
  nagFindings,
  projectSettings,
  resourcesOf,
  resourcesOfType,
  roleStatements,
  testApp,
} from '../support.js';

describe('TidingsFunction', () => {
  let stack: Stack;
  let template: Template;

  beforeAll(() => {
    stack = new Stack(testApp({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Functions', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    new TidingsFunction(stack, 'Ingest', {
      name: 'ingest',
      config: parseConfig(projectSettings()),
      description: 'test function',
    });
    template = Template.fromStack(stack);
  });

  it('runs under a role of its own that writes only to its own log group', () => {
    const [[logGroupId] = []] = resourcesOfType(template, 'AWS::Logs::LogGroup');
    const logs = roleStatements(template, 'IngestRole').filter((s) =>
      actionsOf(s).some((action) => action.startsWith('logs:')),
    );
    expect(logs.flatMap(actionsOf).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(logs.flatMap(resourcesOf)).toEqual([{ 'Fn::GetAtt': [logGroupId, 'Arn'] }]);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    for (const [, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('names its log group after the function and keeps it a week in dev', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/lambda/tidings-dev-ingest',
      RetentionInDays: 7,
    });
  });

  it('leaves no AwsSolutions finding unacknowledged', () => {
    expect(nagFindings(stack)).toEqual([]);
  });
});
