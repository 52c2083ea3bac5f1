import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Aws, CfnOutput, Stack, Validations } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { type IManagedPolicy, ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TABLES, type TableId } from '../../lambdas/adapters/tables.js';
import type { TidingsConfig } from '../../lambdas/core/config.js';
import { STAGE_INTERFACE_VERSION, STAGE_OUTPUTS } from '../../lambdas/wiring/stage-outputs.js';
import { type SesArns, sendRawEmailStatement } from './ses-arns.js';
import { PROJECT_ROOT, SEND_ANY_IDENTITY_REASON } from './tidings-function.js';

/** The package version that deploys, from package.json. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string })
    .version;
}

export interface StageOutputsProps {
  config: TidingsConfig;
  tables: Readonly<Record<TableId, Table>>;
  tokenSecret: Secret;
  sendQueue: IQueue;
  sendDeadLetterQueue: IQueue;
  ses: SesArns;
}

/** Table actions of the operator's commands (reads, listings and exports, conditional writes). */
export const OPERATOR_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
] as const;

/**
 * What the operator CLI (`tidings --stage <stage>`) reads of a stage, as outputs of the stack this
 * construct is in (names from `lambdas/wiring/stage-outputs.ts`), and the least-privilege managed
 * policy an operator needs to run every command there: reading this stack's outputs, the four
 * tables and their indexes, sending to the send queue, reading the token secret, and sending through
 * the stage's SES identity and configuration set. Nothing else, and nothing of another stage.
 */
export class StageOutputs extends Construct {
  readonly operatorPolicy: IManagedPolicy;

  constructor(scope: Construct, id: string, props: StageOutputsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { config } = props;
    const tableArns = (Object.keys(TABLES) as TableId[]).flatMap((tableId) => [
      props.tables[tableId].tableArn,
      ...TABLES[tableId].indexes.map((index) => `${props.tables[tableId].tableArn}/index/${index.name}`),
    ]);
    this.operatorPolicy = new ManagedPolicy(this, 'OperatorPolicy', {
      managedPolicyName: `tidings-${config.stage}-operator`,
      description: `Runs every tidings command on the ${config.stage} stage (tidings --stage ${config.stage})`,
      statements: [
        new PolicyStatement({
          sid: 'ReadStageOutputs',
          actions: ['cloudformation:DescribeStacks'],
          resources: [Aws.STACK_ID],
        }),
        new PolicyStatement({ sid: 'Tables', actions: [...OPERATOR_TABLE_ACTIONS], resources: tableArns }),
        new PolicyStatement({
          sid: 'SendQueue',
          actions: ['sqs:SendMessage'],
          resources: [props.sendQueue.queueArn],
        }),
        new PolicyStatement({
          sid: 'TokenSecret',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [props.tokenSecret.secretArn],
        }),
        // As the functions send: identity/* so the SES sandbox's per-recipient check passes, the From
        // address held to the configured sender, through the stage's configuration set.
        Object.assign(sendRawEmailStatement(props.ses, config.sender.address), {
          sid: 'SendThroughTheStage',
        }),
      ],
    });

    Validations.of(this.operatorPolicy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]',
      reason: SEND_ANY_IDENTITY_REASON,
    });

    const output = (key: string, value: string, description?: string): void => {
      new CfnOutput(stack, key, { value, ...(description ? { description } : {}) });
    };
    for (const tableId of Object.keys(TABLES) as TableId[]) {
      output(STAGE_OUTPUTS.tables[tableId], props.tables[tableId].tableName, `The ${tableId} table`);
    }
    // The send queue's URL is output by the stack itself (`SendQueueUrl`).
    output(
      STAGE_OUTPUTS.sendDeadLetterQueueUrl,
      props.sendDeadLetterQueue.queueUrl,
      'Send messages that failed every retry',
    );
    output(STAGE_OUTPUTS.tokenSecretArn, props.tokenSecret.secretArn, 'The token-signing keys');
    output(STAGE_OUTPUTS.configurationSetName, config.ses.configurationSet);
    output(
      STAGE_OUTPUTS.operatorPolicyArn,
      this.operatorPolicy.managedPolicyArn,
      "Attach to the operators' role or group (aws iam attach-role-policy --policy-arn <this>)",
    );
    output(
      STAGE_OUTPUTS.interfaceVersion,
      STAGE_INTERFACE_VERSION,
      'What the operator CLI may expect of this stage; the CLI refuses another value',
    );
    output(STAGE_OUTPUTS.version, packageVersion(), 'The Tidings version that deployed this stage');
  }
}
