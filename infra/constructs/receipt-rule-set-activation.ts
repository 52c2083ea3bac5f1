import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CustomResource, CustomResourceProvider, CustomResourceProviderRuntime } from 'aws-cdk-lib';
import type { IReceiptRuleSet } from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';

const RESOURCE_TYPE = 'Custom::TidingsReceiptRuleSetActivation';
const CODE = join(dirname(fileURLToPath(import.meta.url)), 'receipt-rule-set-activation');

export interface ReceiptRuleSetActivationProps {
  ruleSet: IReceiptRuleSet;
}

/**
 * Activates the stage's receipt rule set when no rule set of the region is active, and deactivates
 * it before it is deleted, so `cdk destroy` succeeds (SES refuses to delete the active rule set).
 * Another stage's active rule set is never touched. `Active` (`true`/`false`) and `ActiveRuleSet`
 * say what it found.
 */
export class ReceiptRuleSetActivation extends Construct {
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: ReceiptRuleSetActivationProps) {
    super(scope, id);
    const provider = CustomResourceProvider.getOrCreateProvider(this, RESOURCE_TYPE, {
      codeDirectory: CODE,
      runtime: CustomResourceProviderRuntime.NODEJS_22_X,
      description: 'Activates and deactivates the Tidings receipt rule set',
      policyStatements: [
        {
          Effect: 'Allow',
          // SES receipt rule set actions take no resource ARN.
          Action: ['ses:DescribeActiveReceiptRuleSet', 'ses:SetActiveReceiptRuleSet'],
          Resource: '*',
        },
      ],
    });
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: RESOURCE_TYPE,
      // The reference orders it: created after the rule set, deleted before it.
      properties: { RuleSetName: props.ruleSet.receiptRuleSetName },
    });
  }
}
