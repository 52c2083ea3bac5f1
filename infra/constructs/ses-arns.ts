import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { TidingsConfig } from '../../lambdas/core/config.js';

export interface SesArns {
  /** The sending domain's identity, e.g. `arn:aws:ses:eu-west-1:123456789012:identity/news.example.com`. */
  identity: string;
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
    configurationSet: arn('configuration-set', config.ses.configurationSet),
  };
}
