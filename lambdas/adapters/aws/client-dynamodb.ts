import {
  AwsClient,
  type AwsClientConfig,
  AwsServiceError,
  callJson,
  type ErrorMeta,
  type ResponseMetadata,
} from './signed-call.js';

/**
 * `@aws-sdk/client-dynamodb` in the functions' bundles (see signed-call.ts): the low-level client
 * and the operations the stores call, speaking DynamoDB's JSON protocol. Inputs and outputs are
 * the wire's attribute values, as the SDK's are (binary values are not used by any store and are
 * passed as the wire has them, base64).
 */

/** A conditional write whose condition did not hold. */
export class ConditionalCheckFailedException extends AwsServiceError {
  constructor(message: string, meta: ErrorMeta) {
    super(message, { ...meta, name: 'ConditionalCheckFailedException' });
  }
}

const SPEC = {
  signingName: 'dynamodb',
  endpointPrefix: 'dynamodb',
  envId: 'DYNAMODB',
  errors: { ConditionalCheckFailedException },
};

/** An operation of DynamoDB_20120810, named by its class. */
export class DynamoCommand<Input = Record<string, unknown>, Output = Record<string, unknown>> {
  declare readonly output?: Output;
  constructor(
    readonly operation: string,
    readonly input: Input,
  ) {}
}

export class DynamoDBClient {
  private readonly client: AwsClient;

  constructor(config: AwsClientConfig = {}) {
    this.client = new AwsClient(SPEC, config);
  }

  /** Sends an operation as it is given (the document client marshals before calling this). */
  call<Output = Record<string, unknown>>(
    operation: string,
    input: unknown,
  ): Promise<Output & { $metadata: ResponseMetadata }> {
    return callJson<Output>(this.client, `DynamoDB_20120810.${operation}`, '1.0', input);
  }

  /**
   * Sends one of this module's operations or, in a process that loaded the SDK (benchmarks that
   * run the adapters in place), the SDK's command of the same operation (`GetItemCommand`…).
   */
  send<Output>(command: DynamoCommand<unknown, Output>): Promise<Output & { $metadata: ResponseMetadata }> {
    const operation = command instanceof DynamoCommand ? command.operation : sdkOperation(command);
    return this.call<Output>(operation, command.input);
  }

  destroy(): void {}
}

type Input = Record<string, unknown>;

/** The operation an SDK command names by its class (`GetItemCommand` → `GetItem`). */
function sdkOperation(command: object): string {
  const name = command.constructor.name;
  if (!name.endsWith('Command')) throw new TypeError(`${name || 'an object'} is not a DynamoDB command`);
  return name.slice(0, -'Command'.length);
}

/** The class of an operation, as the SDK exports one per operation. */
const operation = (name: string) =>
  class extends DynamoCommand {
    constructor(input: Input) {
      super(name, input);
    }
  };

export const GetItemCommand = operation('GetItem');
export const PutItemCommand = operation('PutItem');
export const DeleteItemCommand = operation('DeleteItem');
export const UpdateItemCommand = operation('UpdateItem');
export const QueryCommand = operation('Query');
export const ScanCommand = operation('Scan');
export const BatchGetItemCommand = operation('BatchGetItem');
export const BatchWriteItemCommand = operation('BatchWriteItem');
