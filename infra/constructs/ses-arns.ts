import { ArnFormat, Aws, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { TidingsConfig } from '../../lambdas/core/config.js';

export interface SesArns {
  /** The sending domain's identity, e.g. `arn:aws:ses:eu-west-1:123456789012:identity/news.example.com`. */
  identity: string;
  /** Every identity of the account and region: `…:identity/*`. */
  anyIdentity: string;
  /** The configuration set every message names. */
  configurationSet: string;
}

/**
 * ARNs of the sending identity and configuration set, built from their names. Both are named by
 * the configuration, so the API stack can scope `ses:SendRawEmail` to them without importing them
 * from the pipeline stack (and without tying the two stacks' deployments together).
 */
export function sesArns(scope: IConstruct, config: TidingsConfig): SesArns {
  const stack = Stack.of(scope);
  const arn = (resource: string, resourceName: string): string =>
    stack.formatArn({ service: 'ses', resource, resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  return {
    identity: arn('identity', config.sender.domain),
    // Pseudo parameters rather than the stack's account and region: the same text in every
    // environment, so its cdk-nag acknowledgement names one resource everywhere.
    anyIdentity: `arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:identity/*`,
    configurationSet: arn('configuration-set', config.ses.configurationSet),
  };
}

/**
 * `ses:SendRawEmail` as Tidings sends: through the stage's configuration set, from the configured
 * sender address only. SES authorises a send against the sender's identity and, while the account
 * is in the sandbox, against each recipient's verified identity too, so the identities are
 * `identity/*`; the `ses:FromAddress` condition keeps the From address to the one configured.
 */
export function sendRawEmailStatement(ses: SesArns, fromAddress: string): PolicyStatement {
  return new PolicyStatement({
    actions: ['ses:SendRawEmail'],
    resources: [ses.anyIdentity, ses.configurationSet],
    conditions: { StringEquals: { 'ses:FromAddress': fromAddress } },
  });
}
