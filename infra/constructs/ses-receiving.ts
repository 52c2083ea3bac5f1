import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { ReceiptRuleSet } from 'aws-cdk-lib/aws-ses';
import { Lambda as LambdaAction, LambdaInvocationType } from 'aws-cdk-lib/aws-ses-actions';
import type { Construct } from 'constructs';
import type { TidingsConfig } from '../../lambdas/core/config.js';
import { ResourceGroup } from './resource-group.js';

export interface SesReceivingProps {
  config: TidingsConfig;
  /** Handles mail to the unsubscribe address. */
  handler: IFunction;
}

/**
 * Mail to unsubscribe@<domain>: a receipt rule set whose one rule hands the message to the
 * feedback function. SES applies an address rule to its plus-labelled forms too
 * (unsubscribe+<token>@<domain>), which is how the List-Unsubscribe mailto reaches us.
 */
export class SesReceiving extends ResourceGroup {
  readonly ruleSet: ReceiptRuleSet;

  constructor(scope: Construct, id: string, props: SesReceivingProps) {
    super(scope, id);
    const prefix = `tidings-${props.config.stage}`;
    this.ruleSet = new ReceiptRuleSet(this, 'Inbound', { receiptRuleSetName: `${prefix}-inbound` });
    this.ruleSet.addRule('Unsubscribe', {
      receiptRuleName: `${prefix}-unsubscribe`,
      recipients: [`unsubscribe@${props.config.sender.domain}`],
      scanEnabled: true,
      actions: [new LambdaAction({ function: props.handler, invocationType: LambdaInvocationType.EVENT })],
    });
  }
}
