import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** One request an SDK client sent: its service, operation and input. */
export interface AwsRequest {
  client: string;
  command: string;
  input: Record<string, unknown>;
}

interface MiddlewareClient {
  middlewareStack: {
    add(
      middleware: (
        next: (args: { input: unknown }) => Promise<unknown>,
        context: { clientName?: string; commandName?: string },
      ) => (args: { input: unknown }) => Promise<unknown>,
      options: { step: 'initialize'; name?: string },
    ): void;
  };
}

/** Records every request `client` sends into `into`. */
export function recordRequests(client: { middlewareStack: unknown }, into: AwsRequest[]): void {
  (client as MiddlewareClient).middlewareStack.add(
    (next, context) => async (args) => {
      into.push({
        client: context.clientName ?? '',
        command: (context.commandName ?? '').replace(/Command$/, ''),
        input: (args.input ?? {}) as Record<string, unknown>,
      });
      return next(args);
    },
    { step: 'initialize', name: 'recordRequests' },
  );
}

type Json = Record<string, unknown>;

interface Stacks {
  config: { sender: { domain: string } };
  data: import('aws-cdk-lib').Stack;
  pipeline: import('aws-cdk-lib').Stack;
}

/** The document client's commands by the table action IAM checks for them. */
const DOCUMENT_ACTIONS: Record<string, string> = {
  Put: 'PutItem',
  Get: 'GetItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactWrite: 'TransactWriteItems',
  TransactGet: 'TransactGetItems',
};

/**
 * The requests of `requests` the stage's operator policy (as synthesized) would not allow: each
 * as `action resource`. Resources are compared by what they name (`table:<name>`, `queue:<name>`,
 * `secret:<name>`, `stack:<name>`, SES ARNs), found by resolving the policy's references against
 * the Data and Pipeline templates.
 */
export function disallowedRequests(stacks: Stacks, requests: readonly AwsRequest[]): string[] {
  const { Template } = require('aws-cdk-lib/assertions') as typeof import('aws-cdk-lib/assertions');
  const data = Template.fromStack(stacks.data).toJSON() as { Resources: Json; Outputs?: Json };
  const pipeline = Template.fromStack(stacks.pipeline).toJSON() as { Resources: Json; Outputs?: Json };
  const resources: Json = { ...data.Resources, ...pipeline.Resources };
  const exports = new Map<string, unknown>();
  for (const output of Object.values(data.Outputs ?? {})) {
    const { Export, Value } = output as { Export?: { Name?: string }; Value: unknown };
    if (Export?.Name) exports.set(Export.Name, Value);
  }
  const region = stacks.pipeline.region;
  const account = stacks.pipeline.account;
  const named = (id: string): string => {
    const { Type, Properties = {} } = resources[id] as { Type: string; Properties?: Json };
    if (Type === 'AWS::DynamoDB::Table') return `table:${Properties.TableName}`;
    if (Type === 'AWS::SQS::Queue') return `queue:${Properties.QueueName}`;
    if (Type === 'AWS::SecretsManager::Secret') return `secret:${Properties.Name}`;
    return `${Type}:${id}`;
  };
  const render = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const v = value as Json;
    if (typeof v.Ref === 'string') {
      const pseudo: Record<string, string> = {
        'AWS::StackId': `stack:${stacks.pipeline.stackName}`,
        'AWS::Partition': 'aws',
        'AWS::Region': region,
        'AWS::AccountId': account,
        'AWS::URLSuffix': 'amazonaws.com',
      };
      return pseudo[v.Ref] ?? named(v.Ref);
    }
    if (Array.isArray(v['Fn::GetAtt'])) return named(String((v['Fn::GetAtt'] as unknown[])[0]));
    if (typeof v['Fn::ImportValue'] === 'string') return render(exports.get(v['Fn::ImportValue']));
    if (Array.isArray(v['Fn::Join'])) {
      const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(sep);
    }
    return JSON.stringify(value);
  };
  const policy = Object.values(resources).find(
    (r) => (r as { Type: string }).Type === 'AWS::IAM::ManagedPolicy',
  ) as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } };
  const statements = policy.Properties.PolicyDocument.Statement.map((s) => ({
    actions: [s.Action].flat(),
    resources: [s.Resource].flat().map(render),
  }));
  const allows = (action: string, resource: string): boolean =>
    statements.some(
      (s) =>
        s.actions.includes(action) &&
        s.resources.some((r) => r === resource || (r.endsWith('*') && resource.startsWith(r.slice(0, -1)))),
    );

  const secretNames = Object.values(resources)
    .filter((r) => (r as { Type: string }).Type === 'AWS::SecretsManager::Secret')
    .map((r) => String((r as { Properties?: Json }).Properties?.Name));
  const denied = new Set<string>();
  const check = (action: string, resource: string): void => {
    if (!allows(action, resource)) denied.add(`${action} ${resource}`);
  };
  for (const { client, command, input } of requests) {
    if (client.startsWith('DynamoDB')) {
      const action = `dynamodb:${DOCUMENT_ACTIONS[command] ?? command}`;
      const tables = input.RequestItems ? Object.keys(input.RequestItems as Json) : [String(input.TableName)];
      for (const table of tables) {
        check(action, input.IndexName ? `table:${table}/index/${input.IndexName}` : `table:${table}`);
      }
    } else if (client === 'SQSClient') {
      const name = String(input.QueueUrl).split('/').pop();
      check(`sqs:${command.replace(/Batch$/, '')}`, `queue:${name}`);
    } else if (client === 'SESClient') {
      const ses = `arn:aws:ses:${region}:${account}`;
      check(`ses:${command}`, `${ses}:identity/${stacks.config.sender.domain}`);
      if (input.ConfigurationSetName)
        check(`ses:${command}`, `${ses}:configuration-set/${input.ConfigurationSetName}`);
    } else if (client === 'SecretsManagerClient') {
      const arn = String(input.SecretId);
      const name = secretNames.find((n) => arn.includes(`:secret:${n}`)) ?? arn;
      check(`secretsmanager:${command}`, `secret:${name}`);
    } else if (client === 'CloudFormationClient') {
      check(`cloudformation:${command}`, `stack:${String(input.StackName)}`);
    } else {
      denied.add(`${client}.${command} (a service the policy does not cover)`);
    }
  }
  return [...denied].sort();
}
