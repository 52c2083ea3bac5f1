import { Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export interface FunctionRoleProps {
  /** What the function does, for the role's description. */
  purpose: string;
  /** The function's own log group, the only one it may write to. */
  logGroup: ILogGroup;
}

/**
 * A function's own execution role. The default role would attach the AWS managed basic execution
 * policy, which may write to every log group in the account; this one writes to its own.
 */
export class FunctionRole extends Role {
  constructor(scope: Construct, id: string, props: FunctionRoleProps) {
    super(scope, id, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: props.purpose,
    });
    this.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [props.logGroup.logGroupArn],
      }),
    );
  }

  /**
   * Acknowledges the one "*" resource of the role's policy: X-Ray's PutTraceSegments and
   * PutTelemetryRecords take no resource ARN. Called once the function has added them.
   */
  acknowledgeTracing(): void {
    const policy = this.node.tryFindChild('DefaultPolicy');
    if (policy) {
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only the X-Ray actions xray:PutTraceSegments and xray:PutTelemetryRecords use "*": X-Ray does not support resource-level permissions for them.',
      });
    }
  }
}
