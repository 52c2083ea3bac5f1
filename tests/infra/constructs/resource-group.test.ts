import { CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { GroupedStack, logicalIdFor, ResourceGroup } from '../../../infra/constructs/resource-group.js';
import { testApp } from '../support.js';

const resourceIn = (scope: Construct, id: string): CfnResource =>
  new CfnResource(scope, id, { type: 'AWS::SQS::Queue' });

describe('ResourceGroup in a GroupedStack', () => {
  it('computes the logical ids CDK computes for the same path', () => {
    const stack = new Stack(testApp(), 'Plain');
    const outer = new Construct(stack, 'SendQueue');
    resourceIn(outer, 'Resource');
    resourceIn(new Construct(outer, 'Policy'), 'Default');
    resourceIn(stack, 'Lone');
    const ids = Object.keys(Template.fromStack(stack).toJSON().Resources as object).sort();
    expect(ids).toEqual(
      [
        logicalIdFor(['SendQueue', 'Resource']),
        logicalIdFor(['SendQueue', 'Policy', 'Default']),
        'Lone',
      ].sort(),
    );
  });

  it('keeps a resource the logical id it had before it moved into a group', () => {
    const app = testApp();
    const before = new GroupedStack(app, 'Before');
    resourceIn(new Construct(before, 'SendQueue'), 'Resource');
    const after = new GroupedStack(app, 'After');
    resourceIn(new Construct(new ResourceGroup(after, 'Delivery'), 'SendQueue'), 'Resource');
    const ids = (stack: Stack): string[] =>
      Object.keys(Template.fromStack(stack).toJSON().Resources as object);
    expect(ids(after)).toEqual(ids(before));
  });

  it('refuses two grouped resources that would share one logical id', () => {
    const stack = new GroupedStack(testApp(), 'Clash');
    resourceIn(new ResourceGroup(stack, 'One'), 'Queue');
    resourceIn(new ResourceGroup(stack, 'Two'), 'Queue');
    expect(() => Template.fromStack(stack)).toThrow(/would share the logical id Queue/);
  });
});
