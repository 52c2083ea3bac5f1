import { createRequire } from 'node:module';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../infra/constructs/tidings-function.js';

// The handler is plain CommonJS run as it is by Lambda: load it, and the SDK it loads, that way.
const require = createRequire(join(PROJECT_ROOT, 'infra/constructs/receipt-rule-set-activation/index.js'));
const sdk = require('@aws-sdk/client-ses') as typeof import('@aws-sdk/client-ses');
const { handler } = require('./index.js') as {
  handler: (event: Record<string, unknown>) => Promise<{ PhysicalResourceId?: string; Data?: unknown }>;
};

const ses = mockClient(sdk.SESClient);
const event = (RequestType: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  RequestType,
  ResourceProperties: { RuleSetName: 'tidings-dev-inbound' },
  ...extra,
});
const activations = (): unknown[] =>
  ses.commandCalls(sdk.SetActiveReceiptRuleSetCommand).map((call) => call.args[0].input);

describe('receipt rule set activation (custom resource handler)', () => {
  beforeEach(() => ses.reset());

  it('activates the stage’s rule set when the region has none active', async () => {
    ses.on(sdk.DescribeActiveReceiptRuleSetCommand).resolves({});
    const result = await handler(event('Create'));
    expect(activations()).toEqual([{ RuleSetName: 'tidings-dev-inbound' }]);
    expect(result).toEqual({
      PhysicalResourceId: 'tidings-dev-inbound',
      Data: { ActiveRuleSet: 'tidings-dev-inbound', Active: 'true' },
    });
  });

  it('leaves another stage’s active rule set active, and says so', async () => {
    ses.on(sdk.DescribeActiveReceiptRuleSetCommand).resolves({ Metadata: { Name: 'tidings-prod-inbound' } });
    const result = await handler(event('Create'));
    expect(activations()).toEqual([]);
    expect(result.Data).toEqual({ ActiveRuleSet: 'tidings-prod-inbound', Active: 'false' });
  });

  it('deactivates the stage’s rule set on delete when it is the active one', async () => {
    ses.on(sdk.DescribeActiveReceiptRuleSetCommand).resolves({ Metadata: { Name: 'tidings-dev-inbound' } });
    await handler(event('Delete', { PhysicalResourceId: 'tidings-dev-inbound' }));
    expect(activations()).toEqual([{}]);
  });

  it('touches nothing on delete when another rule set is active', async () => {
    ses.on(sdk.DescribeActiveReceiptRuleSetCommand).resolves({ Metadata: { Name: 'tidings-prod-inbound' } });
    await handler(event('Delete', { PhysicalResourceId: 'tidings-dev-inbound' }));
    expect(activations()).toEqual([]);
  });

  it('refuses an event without a rule set name', async () => {
    await expect(handler({ RequestType: 'Create', ResourceProperties: {} })).rejects.toThrow(
      'RuleSetName is required',
    );
  });
});
