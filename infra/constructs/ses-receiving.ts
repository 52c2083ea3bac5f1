import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { type IReceiptRuleSet, ReceiptRule, ReceiptRuleSet } from 'aws-cdk-lib/aws-ses';
import { Lambda as LambdaAction, LambdaInvocationType } from 'aws-cdk-lib/aws-ses-actions';
import type { Construct } from 'constructs';
import type { TidingsConfig } from '../../lambdas/core/config.js';
import { ReceiptRuleSetActivation } from './receipt-rule-set-activation.js';
import { ResourceGroup } from './resource-group.js';

export interface SesReceivingProps {
  config: TidingsConfig;
  /** Handles mail to the unsubscribe address. */
  handler: IFunction;
  /**
   * An existing receipt rule set (usually the region's active one) to add the rule to, instead
   * of a rule set of the stage's own: SES has one active rule set per region.
   */
  sharedRuleSet?: string;
}

/**
 * Mail to unsubscribe@<domain>: a receipt rule that hands the message to the feedback function.
 * SES applies an address rule to its plus-labelled forms too (unsubscribe+<token>@<domain>),
 * which is how the List-Unsubscribe mailto reaches us.
 *
 * The rule lives in a rule set of the stage's own, activated when the region has none active and
 * deactivated before it is deleted; or, for a second stage in a region, in the shared rule set
 * that is active already (`sharedRuleSet`), where only the rule is the stage's.
 */
export class SesReceiving extends ResourceGroup {
  readonly ruleSet: IReceiptRuleSet;
  readonly activation: ReceiptRuleSetActivation | undefined;

  constructor(scope: Construct, id: string, props: SesReceivingProps) {
    super(scope, id);
    const prefix = `tidings-${props.config.stage}`;
    const rule = {
      receiptRuleName: `${prefix}-unsubscribe`,
      recipients: [`unsubscribe@${props.config.sender.domain}`],
      scanEnabled: true,
      actions: [new LambdaAction({ function: props.handler, invocationType: LambdaInvocationType.EVENT })],
    };
    if (props.sharedRuleSet) {
      this.ruleSet = ReceiptRuleSet.fromReceiptRuleSetName(this, 'Inbound', props.sharedRuleSet);
      new ReceiptRule(this, 'Unsubscribe', { ...rule, ruleSet: this.ruleSet });
      return;
    }
    const own = new ReceiptRuleSet(this, 'Inbound', { receiptRuleSetName: `${prefix}-inbound` });
    own.addRule('Unsubscribe', rule);
    this.ruleSet = own;
    this.activation = new ReceiptRuleSetActivation(this, 'Activation', { ruleSet: own });
  }
}
