import type { TableId } from '../adapters/tables.js';

/**
 * What a deployed stage tells the CLI through its CloudFormation outputs, named once: the CDK app
 * declares these outputs (`infra/constructs/stage-outputs.ts`) and `cli/stage.ts` looks them up,
 * so the two cannot drift apart (a test synthesizes the app and checks every lookup).
 */

/**
 * Bumped whenever the outputs below or what the CLI does with them change in a way an older
 * deployment would not satisfy. The CLI refuses a stage deployed with another value.
 */
export const STAGE_INTERFACE_VERSION = '1';

/** `Tidings-<stage>-<part>`, as `infra/build-app.ts` names the stacks. */
export function stageStackName(stage: string, part: 'Data' | 'Pipeline' | 'Api' | 'Monitoring'): string {
  return `Tidings-${stage}-${part}`;
}

/**
 * The one stack the CLI reads: the Pipeline stack, which already holds or imports every resource
 * an operator's command touches, so one DescribeStacks call (and one ARN in the operator policy)
 * resolves a stage.
 */
export const OPERATOR_STACK_PART = 'Pipeline';

/** Output keys of the operator stack. */
export const STAGE_OUTPUTS = {
  tables: {
    briefs: 'BriefsTableName',
    subscribers: 'SubscribersTableName',
    issues: 'IssuesTableName',
    ledger: 'LedgerTableName',
  } satisfies Record<TableId, string>,
  sendQueueUrl: 'SendQueueUrl',
  sendDeadLetterQueueUrl: 'SendDeadLetterQueueUrl',
  tokenSecretArn: 'TokenSecretArn',
  configurationSetName: 'ConfigurationSetName',
  operatorPolicyArn: 'OperatorPolicyArn',
  /** {@link STAGE_INTERFACE_VERSION} at deployment. */
  interfaceVersion: 'TidingsStageInterface',
  /** The package version that deployed the stage (for the message when the interface differs). */
  version: 'TidingsVersion',
} as const;

/** Every output key the CLI's stage resolution reads (all in the operator stack). */
export function outputsTheCliReads(): string[] {
  return [
    ...Object.values(STAGE_OUTPUTS.tables),
    STAGE_OUTPUTS.sendQueueUrl,
    STAGE_OUTPUTS.tokenSecretArn,
    STAGE_OUTPUTS.configurationSetName,
    STAGE_OUTPUTS.interfaceVersion,
    STAGE_OUTPUTS.version,
  ];
}
