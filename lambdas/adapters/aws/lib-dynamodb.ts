import { marshall, type marshallOptions, unmarshall, type unmarshallOptions } from '@aws-sdk/util-dynamodb';
import type { DynamoDBClient } from './client-dynamodb.js';
import type { ResponseMetadata } from './signed-call.js';

/**
 * `@aws-sdk/lib-dynamodb` in the functions' bundles (see signed-call.ts): the document client and
 * the operations the stores call, converting JavaScript values to attribute values and back with
 * the SDK's own `@aws-sdk/util-dynamodb`, on the same fields the SDK's document client converts.
 */

type Doc = Record<string, unknown>;
type AttributeMap = Parameters<typeof unmarshall>[0];

interface TranslateConfig {
  marshallOptions?: marshallOptions;
  unmarshallOptions?: unmarshallOptions;
}

interface Converters {
  toWire(value: Doc | undefined): AttributeMap | undefined;
  fromWire(value: AttributeMap | undefined): Doc | undefined;
}

/** Rewrites the named fields of `record` with `convert`, leaving the others as they are. */
function rewrite(
  record: Doc | undefined,
  fields: readonly string[],
  convert: (value: Doc) => unknown,
): Doc | undefined {
  if (!record) return record;
  const out: Doc = { ...record };
  for (const field of fields) if (out[field] !== undefined) out[field] = convert(out[field] as Doc);
  return out;
}

const KEY_FIELDS = ['Key', 'Item', 'ExpressionAttributeValues', 'ExclusiveStartKey'] as const;
const OUTPUT_ITEM_FIELDS = ['Item', 'Attributes', 'LastEvaluatedKey'] as const;

/** A document operation: its wire name and how its input and output convert. */
export class DocumentCommand {
  declare readonly output?: Doc;
  constructor(
    readonly operation: string,
    readonly input: Doc,
  ) {}

  toWire(c: Converters): Doc {
    return rewrite(this.input, KEY_FIELDS, (value) => c.toWire(value)) ?? {};
  }

  fromWire(output: Doc, c: Converters): Doc {
    const converted = rewrite(output, OUTPUT_ITEM_FIELDS, (value) => c.fromWire(value as AttributeMap)) ?? {};
    if (Array.isArray(output.Items))
      converted.Items = output.Items.map((item) => c.fromWire(item as AttributeMap));
    return converted;
  }
}

type Requests = Record<string, Doc[]>;

const mapTables = <T, U>(tables: Record<string, T> | undefined, convert: (value: T) => U) =>
  tables && Object.fromEntries(Object.entries(tables).map(([table, value]) => [table, convert(value)]));

/** BatchGet's `{ table: { Keys, ... } }` in, `Responses` and `UnprocessedKeys` out. */
class BatchGet extends DocumentCommand {
  override toWire(c: Converters): Doc {
    return {
      ...this.input,
      RequestItems: batchGetKeys(this.input.RequestItems as Record<string, Doc>, c.toWire),
    };
  }
  override fromWire(output: Doc, c: Converters): Doc {
    return {
      ...output,
      Responses: mapTables(output.Responses as Requests | undefined, (items) =>
        items.map((item) => c.fromWire(item as AttributeMap)),
      ),
      UnprocessedKeys: batchGetKeys(output.UnprocessedKeys as Record<string, Doc> | undefined, c.fromWire),
    };
  }
}

function batchGetKeys(tables: Record<string, Doc> | undefined, convert: (value: never) => unknown) {
  return mapTables(tables, (request) => ({
    ...request,
    Keys: (request.Keys as unknown[]).map((key) => convert(key as never)),
  }));
}

/** BatchWrite's `{ table: [{ PutRequest: { Item } } | { DeleteRequest: { Key } }] }`, both ways. */
class BatchWrite extends DocumentCommand {
  override toWire(c: Converters): Doc {
    return { ...this.input, RequestItems: batchWrites(this.input.RequestItems as Requests, c.toWire) };
  }
  override fromWire(output: Doc, c: Converters): Doc {
    return {
      ...output,
      UnprocessedItems: batchWrites(output.UnprocessedItems as Requests | undefined, c.fromWire),
    };
  }
}

function batchWrites(tables: Requests | undefined, convert: (value: never) => unknown) {
  return mapTables(tables, (writes) =>
    writes.map((write) => {
      const put = write.PutRequest as Doc | undefined;
      const del = write.DeleteRequest as Doc | undefined;
      return {
        ...write,
        ...(put ? { PutRequest: { ...put, Item: convert(put.Item as never) } } : {}),
        ...(del ? { DeleteRequest: { ...del, Key: convert(del.Key as never) } } : {}),
      };
    }),
  );
}

const operation = (name: string, Base: typeof DocumentCommand = DocumentCommand) =>
  class extends Base {
    constructor(input: Doc) {
      super(name, input);
    }
  };

export const GetCommand = operation('GetItem');
export const PutCommand = operation('PutItem');
export const DeleteCommand = operation('DeleteItem');
export const UpdateCommand = operation('UpdateItem');
export const QueryCommand = operation('Query');
export const ScanCommand = operation('Scan');
export const BatchGetCommand = operation('BatchGetItem', BatchGet);
export const BatchWriteCommand = operation('BatchWriteItem', BatchWrite);

/** This module's operations by class name, which is also the name of the SDK's command for each. */
const BY_NAME: Record<string, new (input: Doc) => DocumentCommand> = {
  GetCommand,
  PutCommand,
  DeleteCommand,
  UpdateCommand,
  QueryCommand,
  ScanCommand,
  BatchGetCommand,
  BatchWriteCommand,
};

/** This module's operation for the SDK's document command of the same name. */
function fromSdk(command: { input: Doc }): DocumentCommand {
  const Operation = BY_NAME[command.constructor.name];
  if (!Operation) throw new TypeError(`${command.constructor.name || 'an object'} is not a document command`);
  return new Operation(command.input);
}

export class DynamoDBDocumentClient {
  private readonly converters: Converters;

  private constructor(
    private readonly client: DynamoDBClient,
    config: TranslateConfig,
  ) {
    // Whole records are converted field by field, as the SDK's document client converts them (it
    // sets these two options on the objects it is given; a shared options object must not leak them).
    const toOptions = {
      ...config.marshallOptions,
      convertTopLevelContainer: false,
      convertWithoutMapWrapper: false,
    };
    const fromOptions = config.unmarshallOptions;
    this.converters = {
      toWire: (value) => value && marshall(value, toOptions),
      fromWire: (value) => value && unmarshall(value, fromOptions),
    };
  }

  static from(client: DynamoDBClient, config: TranslateConfig = {}): DynamoDBDocumentClient {
    return new DynamoDBDocumentClient(client, config);
  }

  /**
   * Sends one of this module's operations or, in a process that loaded the SDK (benchmarks that
   * run the adapters in place), the SDK's document command of the same operation.
   */
  async send(given: DocumentCommand): Promise<Doc & { $metadata: ResponseMetadata }> {
    const command = given instanceof DocumentCommand ? given : fromSdk(given);
    const { $metadata, ...output } = await this.client.call(
      command.operation,
      command.toWire(this.converters),
    );
    return { ...command.fromWire(output, this.converters), $metadata };
  }

  destroy(): void {}
}
