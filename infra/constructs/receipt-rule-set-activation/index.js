// Custom resource handler of `ReceiptRuleSetActivation` (CloudFormation, through CDK's
// CustomResourceProvider entrypoint). Plain CommonJS: the asset is this folder as it is, and the
// Lambda Node.js runtime provides the AWS SDK.
//
// SES has one active receipt rule set per region. On create, the stage's rule set is activated
// only when none is active (another stage's active set is never replaced). On delete, it is
// deactivated only when it is the active one, so `cdk destroy` can delete it.
const {
  DescribeActiveReceiptRuleSetCommand,
  SESClient,
  SetActiveReceiptRuleSetCommand,
} = require('@aws-sdk/client-ses');

const ses = new SESClient({});

/** The name of the region's active receipt rule set, or undefined when none is. */
async function activeRuleSet() {
  const answer = await ses.send(new DescribeActiveReceiptRuleSetCommand({}));
  return answer.Metadata?.Name;
}

exports.handler = async (event) => {
  const name = event.ResourceProperties?.RuleSetName;
  if (typeof name !== 'string' || name === '') throw new Error('RuleSetName is required');
  if (event.RequestType === 'Delete') {
    if ((await activeRuleSet()) === name) await ses.send(new SetActiveReceiptRuleSetCommand({}));
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  let active = await activeRuleSet();
  if (active === undefined) {
    await ses.send(new SetActiveReceiptRuleSetCommand({ RuleSetName: name }));
    active = name;
  }
  return {
    PhysicalResourceId: name,
    Data: { ActiveRuleSet: active, Active: active === name ? 'true' : 'false' },
  };
};
