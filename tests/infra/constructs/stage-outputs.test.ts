import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TidingsStacks } from '../../../infra/build-app.js';
import { TABLES } from '../../../lambdas/adapters/tables.js';
import {
  OPERATOR_STACK_PART,
  outputsTheCliReads,
  STAGE_INTERFACE_VERSION,
  STAGE_OUTPUTS,
  stageStackName,
} from '../../../lambdas/wiring/stage-outputs.js';
import { actionsOf, buildTestApp, type PolicyStatementJson, resourcesOf } from '../support.js';

describe('the outputs the operator CLI reads, and the operator policy', () => {
  let stacks: TidingsStacks;
  let template: Template;

  beforeAll(() => {
    stacks = buildTestApp();
    template = Template.fromStack(stacks.pipeline);
  });

  it('outputs every name the CLI looks up, in the stack it looks in', () => {
    expect(stacks.pipeline.stackName).toBe(stageStackName(stacks.config.stage, OPERATOR_STACK_PART));
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    for (const key of outputsTheCliReads()) expect(Object.keys(outputs), key).toContain(key);
    expect(outputs[STAGE_OUTPUTS.interfaceVersion]?.Value).toBe(STAGE_INTERFACE_VERSION);
  });

  it("grants only the stage's own stack, tables, queue, secret and SES identity", () => {
    const policies = template.findResources('AWS::IAM::ManagedPolicy');
    const [policy] = Object.values(policies) as {
      Properties: { ManagedPolicyName: string; PolicyDocument: { Statement: PolicyStatementJson[] } };
    }[];
    expect(Object.keys(policies)).toHaveLength(1);
    expect(policy?.Properties.ManagedPolicyName).toBe(`tidings-${stacks.config.stage}-operator`);
    const statements = policy?.Properties.PolicyDocument.Statement ?? [];
    const text = JSON.stringify(statements);
    // No wildcard resource, and no action outside the five services the stage wiring uses.
    for (const statement of statements) {
      for (const resource of resourcesOf(statement)) expect(resource).not.toBe('*');
      for (const action of actionsOf(statement))
        expect(action).toMatch(/^(cloudformation|dynamodb|sqs|secretsmanager|ses):[A-Za-z]+$/);
    }
    expect(text).toContain('"Ref":"AWS::StackId"');
    expect(text).not.toMatch(/Tidings-(?!dev)/);
    const sid = (id: string): PolicyStatementJson | undefined =>
      statements.find((s) => (s as { Sid?: string }).Sid === id);
    // Every table and every index, by reference to this stage's tables.
    const indexes = Object.values(TABLES).reduce((n, table) => n + table.indexes.length, 0);
    expect(indexes).toBeGreaterThanOrEqual(4);
    expect(resourcesOf(sid('Tables') as PolicyStatementJson)).toHaveLength(4 + indexes);
    expect(actionsOf(sid('SendQueue') as PolicyStatementJson)).toEqual(['sqs:SendMessage']);
  });

  it('lets an operator send a test copy in the SES sandbox too, from the configured sender only', () => {
    const [policy] = Object.values(template.findResources('AWS::IAM::ManagedPolicy')) as {
      Properties: { PolicyDocument: { Statement: (PolicyStatementJson & { Sid?: string })[] } };
    }[];
    const send = policy?.Properties.PolicyDocument.Statement.find((s) => s.Sid === 'SendThroughTheStage');
    // In the sandbox SES also authorises against each recipient's identity: identity/<domain> alone
    // would refuse every test copy until production access.
    expect(JSON.stringify(resourcesOf(send as PolicyStatementJson))).toContain(':identity/*');
    expect((send as { Condition?: unknown }).Condition).toEqual({
      StringEquals: { 'ses:FromAddress': stacks.config.sender.address },
    });
  });
});
