import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as sdkLow from '@aws-sdk/client-dynamodb';
import {
  CreateSecretCommand,
  GetSecretValueCommand as SdkGetSecretValueCommand,
  SecretsManagerClient as SdkSecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  SESClient as SdkSESClient,
  SendRawEmailCommand as SdkSendRawEmailCommand,
} from '@aws-sdk/client-ses';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient as SdkSQSClient } from '@aws-sdk/client-sqs';
import * as sdkDoc from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as leanLow from '../../lambdas/adapters/aws/client-dynamodb.js';
import {
  GetSecretValueCommand,
  SecretsManagerClient,
} from '../../lambdas/adapters/aws/client-secrets-manager.js';
import { SESClient, SendRawEmailCommand } from '../../lambdas/adapters/aws/client-ses.js';
import { SendMessageBatchCommand, SQSClient } from '../../lambdas/adapters/aws/client-sqs.js';
import * as leanDoc from '../../lambdas/adapters/aws/lib-dynamodb.js';
import { type Moto, motoSkipReason, startMoto } from '../support/moto.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/**
 * The lean AWS clients the function bundles carry (lambdas/adapters/aws/) next to the real SDK v3
 * clients, on the stand-ins: every DynamoDB operation the stores make, sent alike through both
 * against dynalite, with equal answers and equal stored items; SendRawEmail to aws-ses-v2-local,
 * and its form compared field by field with the SDK's; SendMessageBatch and GetSecretValue on moto.
 */

type Doc = Record<string, unknown>;
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
/**
 * One options object for both document clients: the SDK's writes `convertTopLevelContainer: true`
 * into the marshallOptions it is given, which the lean client must not take up.
 */
const TRANSLATE_CONFIG = { marshallOptions: { removeUndefinedValues: true } };
const skipMoto = motoSkipReason();
const RUN = randomUUID().slice(0, 8);

/** An answer without what differs between any two calls (`$metadata`, `ConsumedCapacity`). */
function answer(output: object): Doc {
  const { $metadata: _metadata, ConsumedCapacity: _capacity, ...rest } = output as Doc;
  return rest;
}

/** Items of each table, in key order, so that batch answers compare whatever order they came in. */
function byTable(tables: unknown): unknown {
  const key = (item: Doc) => JSON.stringify([item.pk, item.sk]);
  return Object.fromEntries(
    Object.entries((tables ?? {}) as Record<string, Doc[]>).map(([table, items]) => [
      table,
      [...items].sort((a, b) => key(a).localeCompare(key(b))),
    ]),
  );
}

/** The error a call rejects with (failing the test when it resolves). */
async function rejection(call: Promise<unknown>): Promise<Error & { $fault?: string; $metadata?: Doc }> {
  const outcome = await call.then(
    () => undefined,
    (error: unknown) => error as Error,
  );
  if (!outcome) throw new Error('the call succeeded: expected it to be refused');
  return outcome;
}

/** A value with every kind the stores write: nested maps and lists, numbers, sets, null, undefined, non-ASCII. */
function richValue(n: number): Doc {
  return {
    title: `Zürich — 東京 🚀 «${n}» line\u2028break`,
    count: n,
    ratio: -3.25,
    tiny: 1e-7,
    safe: Number.MAX_SAFE_INTEGER - n,
    zero: 0,
    flag: true,
    off: false,
    nothing: null,
    missing: undefined,
    blank: '',
    tags: new Set(['a', 'ß', `t${n}`]),
    scores: new Set([1, 2.5, n + 10]),
    list: [1, 'two', { three: true, gone: undefined }, [null], [], {}],
    nested: { deep: { deeper: { text: 'ñandú', n: -0.5, when: undefined } }, empty: {} },
  };
}

/** The document operations, by the SDK's command names, for one client. */
type Operation = 'Put' | 'Get' | 'Update' | 'Delete' | 'Query' | 'Scan' | 'BatchGet' | 'BatchWrite';
type Send = (operation: Operation, input: Doc) => Promise<Doc>;

describe('the lean AWS clients next to the SDK v3 clients', () => {
  let stack: TestStack;
  let moto: Moto | undefined;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    // The lean clients read endpoints from the environment: none here but those given to them.
    for (const key of Object.keys(process.env))
      if (key.startsWith('AWS_ENDPOINT_URL')) delete process.env[key];
    [stack, moto] = await Promise.all([startTestStack(), skipMoto ? undefined : startMoto()]);
  });

  afterAll(async () => {
    await Promise.all([stack?.close(), moto?.stop()]);
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
  });

  describe('DynamoDB on dynalite', () => {
    let sdkClient: sdkLow.DynamoDBClient;
    let sdk: Send;
    let lean: Send;
    let leanWithSdkCommands: Send;
    let leanClient: leanLow.DynamoDBClient;
    let briefs: string;
    let issues: string;

    beforeAll(() => {
      const options = { endpoint: stack.dynamodbUrl, region: REGION, credentials: CREDENTIALS };
      sdkClient = new sdkLow.DynamoDBClient(options);
      const sdkDocs = sdkDoc.DynamoDBDocumentClient.from(sdkClient, TRANSLATE_CONFIG);
      leanClient = new leanLow.DynamoDBClient(options);
      const leanDocs = leanDoc.DynamoDBDocumentClient.from(leanClient, TRANSLATE_CONFIG);
      const sdkCommands = {
        Put: sdkDoc.PutCommand,
        Get: sdkDoc.GetCommand,
        Update: sdkDoc.UpdateCommand,
        Delete: sdkDoc.DeleteCommand,
        Query: sdkDoc.QueryCommand,
        Scan: sdkDoc.ScanCommand,
        BatchGet: sdkDoc.BatchGetCommand,
        BatchWrite: sdkDoc.BatchWriteCommand,
      } as Record<Operation, new (input: any) => any>;
      const leanCommands = {
        Put: leanDoc.PutCommand,
        Get: leanDoc.GetCommand,
        Update: leanDoc.UpdateCommand,
        Delete: leanDoc.DeleteCommand,
        Query: leanDoc.QueryCommand,
        Scan: leanDoc.ScanCommand,
        BatchGet: leanDoc.BatchGetCommand,
        BatchWrite: leanDoc.BatchWriteCommand,
      };
      sdk = (operation, input) => sdkDocs.send(new sdkCommands[operation](input)) as Promise<Doc>;
      lean = (operation, input) => leanDocs.send(new leanCommands[operation](input));
      // The SDK's own commands through the lean client, as benchmarks that run the adapters in
      // place send them.
      leanWithSdkCommands = (operation, input) => leanDocs.send(new sdkCommands[operation](input));
      briefs = stack.tables.briefs;
      issues = stack.tables.issues;
    });

    afterAll(() => sdkClient?.destroy());

    /** Keys of this run only: nothing another test wrote, nothing left for the next run. */
    const key = (name: string, sk = 'item') => ({ pk: `lean-${RUN}#${name}`, sk });
    const read = async (table: string, k: Doc) =>
      answer(await sdk('Get', { TableName: table, Key: k, ConsistentRead: true }));
    const write = (table: string, items: Doc[]) =>
      Promise.all(items.map((Item) => sdk('Put', { TableName: table, Item })));
    const remove = (table: string, keys: Doc[]) =>
      Promise.all(keys.map((Key) => sdk('Delete', { TableName: table, Key })));

    /**
     * Runs `steps` once through the SDK and once through the lean client, each from the state
     * `reset` makes, and returns both clients' answers and the stored items `state` reads after.
     */
    async function onBoth(
      reset: () => Promise<unknown>,
      steps: (send: Send) => Promise<Doc[]>,
      state: () => Promise<unknown>,
    ) {
      await reset();
      const sdkAnswers = (await steps(sdk)).map(answer);
      const sdkState = await state();
      await reset();
      const leanAnswers = (await steps(lean)).map(answer);
      const leanState = await state();
      return { sdkAnswers, leanAnswers, sdkState, leanState };
    }

    it('Put with a condition: the same answer and the same item stored', async () => {
      const k = key('put');
      const input = {
        TableName: briefs,
        Item: { ...k, ...richValue(1) },
        ConditionExpression: 'attribute_not_exists(pk)',
      };
      const run = await onBoth(
        () => remove(briefs, [k]),
        async (send) => [
          await send('Put', input),
          await send('Put', { ...input, ConditionExpression: undefined, ReturnValues: 'ALL_OLD' }),
        ],
        () => read(briefs, k),
      );
      expect(run.leanAnswers).toEqual(run.sdkAnswers);
      expect(run.leanState).toEqual(run.sdkState);
      // The item as written, undefined fields left out (checked once, against the SDK's copy).
      expect((run.sdkState as Doc).Item).toEqual(
        JSON.parse(JSON.stringify({ ...k, ...richValue(1) }, setsAsArrays), setsBack),
      );
      // The second Put's ALL_OLD: the first one's item.
      expect(run.sdkAnswers[1]?.Attributes).toEqual((run.sdkState as Doc).Item);
    });

    it('Put whose condition fails: ConditionalCheckFailedException from both, the lean one its own class', async () => {
      const k = key('put-fails');
      await write(briefs, [{ ...k, v: 1 }]);
      const input = {
        TableName: briefs,
        Item: { ...k, v: 2 },
        ConditionExpression: 'attribute_not_exists(pk)',
      };
      const sdkError = await rejection(sdk('Put', input));
      const leanError = await rejection(lean('Put', input));
      expect(sdkError).toBeInstanceOf(sdkLow.ConditionalCheckFailedException);
      expect(leanError).toBeInstanceOf(leanLow.ConditionalCheckFailedException);
      const summary = (e: typeof sdkError) => [e.name, e.message, e.$fault, e.$metadata?.httpStatusCode];
      expect(summary(leanError)).toEqual(summary(sdkError));
      expect(summary(leanError)).toEqual([
        'ConditionalCheckFailedException',
        expect.any(String),
        'client',
        400,
      ]);
      expect(await read(briefs, k)).toEqual({ Item: { ...k, v: 1 } });
    });

    it('Get: a whole item, a projection, a missing item', async () => {
      const k = key('get');
      await write(briefs, [{ ...k, ...richValue(2) }]);
      for (const input of [
        { TableName: briefs, Key: k, ConsistentRead: true },
        {
          TableName: briefs,
          Key: k,
          ProjectionExpression: '#t, nested.deep, #l[2], scores',
          ExpressionAttributeNames: { '#t': 'title', '#l': 'list' },
        },
        { TableName: briefs, Key: key('get-none') },
      ]) {
        expect(answer(await lean('Get', input))).toEqual(answer(await sdk('Get', input)));
      }
      expect(answer(await lean('Get', { TableName: briefs, Key: k })).Item).toMatchObject({
        title: richValue(2).title,
      });
    });

    it("takes the SDK's own command objects too, by their class name", async () => {
      const k = key('sdk-commands');
      const put = {
        TableName: briefs,
        Item: { ...k, ...richValue(5) },
        ConditionExpression: 'attribute_not_exists(pk)',
      };
      await leanWithSdkCommands('Put', put);
      await expect(leanWithSdkCommands('Put', put)).rejects.toMatchObject({
        name: 'ConditionalCheckFailedException',
      });
      const get = { TableName: briefs, Key: k, ConsistentRead: true };
      expect(answer(await leanWithSdkCommands('Get', get))).toEqual(answer(await sdk('Get', get)));
      const batch = {
        RequestItems: { [briefs]: { Keys: [k, key('sdk-commands-none')], ConsistentRead: true } },
      };
      expect(byTable(answer(await leanWithSdkCommands('BatchGet', batch)).Responses)).toEqual(
        byTable(answer(await sdk('BatchGet', batch)).Responses),
      );
      const low = { TableName: briefs, Key: { pk: { S: k.pk }, sk: { S: k.sk } }, ConsistentRead: true };
      expect(answer(await leanClient.send(new sdkLow.GetItemCommand(low) as never))).toEqual(
        answer(await sdkClient.send(new sdkLow.GetItemCommand(low))),
      );
      expect(() => leanClient.send(new Date() as never)).toThrow(/Date is not a DynamoDB command/);
    });

    it('Update with ReturnValues UPDATED_NEW and ALL_NEW', async () => {
      const k = key('update');
      const steps = async (send: Send) => [
        await send('Update', {
          TableName: briefs,
          Key: k,
          UpdateExpression:
            'SET #c = #c + :one, nested.deep.added = :added, title = :title REMOVE flag ADD tags :tag',
          ExpressionAttributeNames: { '#c': 'count' },
          ExpressionAttributeValues: {
            ':one': 1,
            ':added': { list: [1, { x: null, gone: undefined }], text: 'Ωmega' },
            ':title': 'Genève — 2',
            ':tag': new Set(['new']),
            // Left out by removeUndefinedValues, as DynamoDB refuses values no expression uses.
            ':unused': undefined,
          },
          ReturnValues: 'UPDATED_NEW',
        }),
        await send('Update', {
          TableName: briefs,
          Key: k,
          UpdateExpression: 'SET ratio = :r, #l[0] = :first',
          ConditionExpression: 'attribute_exists(pk) AND #c = :c',
          ExpressionAttributeNames: { '#l': 'list', '#c': 'count' },
          ExpressionAttributeValues: { ':r': 0.125, ':first': 'één', ':c': 4 },
          ReturnValues: 'ALL_NEW',
        }),
      ];
      const run = await onBoth(
        () => write(briefs, [{ ...k, ...richValue(3) }]),
        steps,
        () => read(briefs, k),
      );
      expect(run.leanAnswers).toEqual(run.sdkAnswers);
      expect(run.leanState).toEqual(run.sdkState);
      expect(run.sdkAnswers[0]?.Attributes).toMatchObject({ count: 4, title: 'Genève — 2' });
      expect(run.sdkAnswers[1]?.Attributes).toEqual((run.sdkState as Doc).Item);
    });

    it('Delete with ReturnValues ALL_OLD, and of an item not there', async () => {
      const k = key('delete');
      const run = await onBoth(
        () => write(briefs, [{ ...k, ...richValue(4) }]),
        async (send) => [
          await send('Delete', { TableName: briefs, Key: k, ReturnValues: 'ALL_OLD' }),
          await send('Delete', { TableName: briefs, Key: k, ReturnValues: 'ALL_OLD' }),
        ],
        () => read(briefs, k),
      );
      expect(run.leanAnswers).toEqual(run.sdkAnswers);
      expect(run.sdkAnswers[0]?.Attributes).toMatchObject({ ...k, count: 4 });
      expect(run.leanState).toEqual({});
      expect(run.sdkState).toEqual({});
    });

    describe('reads of several pages', () => {
      const partition = `lean-${RUN}#query`;
      const edition = `lean-${RUN}#edition`;

      beforeAll(() =>
        write(
          briefs,
          Array.from({ length: 5 }, (_, i) => ({
            pk: partition,
            sk: `s${i}`,
            gsi1pk: edition,
            gsi1sk: `2026-11-${10 + (i % 3)}#${i}`,
            ...richValue(10 + i),
          })),
        ),
      );

      /** Pages of `operation` from both clients, each page asked for alike (the SDK's cursor). */
      async function pages(operation: 'Query' | 'Scan', input: Doc): Promise<number> {
        let count = 0;
        let cursor: Doc | undefined;
        do {
          const page = { ...input, ...(cursor ? { ExclusiveStartKey: cursor } : {}) };
          const expected = answer(await sdk(operation, page));
          expect(answer(await lean(operation, page))).toEqual(expected);
          cursor = expected.LastEvaluatedKey as Doc | undefined;
          count++;
        } while (cursor && count < 20);
        return count;
      }

      it('Query by Limit and ExclusiveStartKey, on the table and on an index', async () => {
        expect(
          await pages('Query', {
            TableName: briefs,
            KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
            ExpressionAttributeValues: { ':p': partition, ':s': 's' },
            ScanIndexForward: false,
            Limit: 2,
          }),
        ).toBe(3);
        expect(
          await pages('Query', {
            TableName: briefs,
            IndexName: 'byEdition',
            KeyConditionExpression: 'gsi1pk = :e AND gsi1sk > :from',
            ExpressionAttributeValues: { ':e': edition, ':from': '2026-11-10' },
            ProjectionExpression: 'pk, sk, title, nested',
            Limit: 2,
          }),
        ).toBe(3);
      });

      it('Scan with a filter, page by page', async () => {
        const count = await pages('Scan', {
          TableName: briefs,
          FilterExpression: 'pk = :p AND #c >= :min',
          ExpressionAttributeNames: { '#c': 'count' },
          ExpressionAttributeValues: { ':p': partition, ':min': 11 },
          // Few items a page, so that the cursor goes round more than once.
          Limit: 3,
        });
        expect(count).toBeGreaterThan(1);
        const all = answer(
          await lean('Scan', {
            TableName: briefs,
            FilterExpression: 'pk = :p',
            ExpressionAttributeValues: { ':p': partition },
          }),
        );
        expect((all.Items as Doc[]).map((item) => item.sk).sort()).toEqual(['s0', 's1', 's2', 's3', 's4']);
      });
    });

    it('BatchGet across two tables', async () => {
      const [a, b, issue] = [key('batch-a'), key('batch-b'), key('batch-issue', 'ISSUE')];
      await write(briefs, [
        { ...a, ...richValue(20) },
        { ...b, ...richValue(21) },
      ]);
      await write(issues, [
        { ...issue, state: 'sending', counts: { sent: 3, failed: 0 }, parts: ['ä', 'ö'] },
      ]);
      const input = {
        RequestItems: {
          [briefs]: { Keys: [a, b, key('batch-none')], ConsistentRead: true },
          [issues]: {
            Keys: [issue],
            ProjectionExpression: 'pk, sk, #s, counts',
            ExpressionAttributeNames: { '#s': 'state' },
          },
        },
      };
      const expected = answer(await sdk('BatchGet', input));
      const got = answer(await lean('BatchGet', input));
      expect(byTable(got.Responses)).toEqual(byTable(expected.Responses));
      expect(got.UnprocessedKeys ?? {}).toEqual(expected.UnprocessedKeys ?? {});
      expect((expected.Responses as Record<string, Doc[]>)[briefs]).toHaveLength(2);
      expect((got.Responses as Record<string, Doc[]>)[issues]).toEqual([
        { ...issue, state: 'sending', counts: { sent: 3, failed: 0 } },
      ]);
    });

    it('BatchWrite with Put and Delete requests in two tables', async () => {
      const [put, gone, issue] = [key('bw-put'), key('bw-gone'), key('bw-issue', 'ISSUE')];
      const run = await onBoth(
        async () => {
          await remove(briefs, [put]);
          await remove(issues, [issue]);
          await write(briefs, [{ ...gone, v: 'old' }]);
        },
        async (send) => [
          await send('BatchWrite', {
            RequestItems: {
              [briefs]: [
                { PutRequest: { Item: { ...put, ...richValue(30) } } },
                { DeleteRequest: { Key: gone } },
              ],
              [issues]: [{ PutRequest: { Item: { ...issue, state: 'composed', missing: undefined } } }],
            },
          }),
        ],
        () => Promise.all([read(briefs, put), read(briefs, gone), read(issues, issue)]),
      );
      expect(run.leanAnswers).toEqual(run.sdkAnswers);
      expect(run.leanState).toEqual(run.sdkState);
      expect(run.sdkState).toEqual([
        { Item: expect.objectContaining({ ...put, count: 30 }) },
        {},
        { Item: { ...issue, state: 'composed' } },
      ]);
    });

    describe('the low-level client, with attribute values', () => {
      it('PutItem with a condition, GetItem, BatchGetItem across two tables', async () => {
        const k = key('low');
        const issue = key('low-issue', 'ISSUE');
        const item = marshall({ ...k, ...richValue(40) }, { removeUndefinedValues: true });
        const put = { TableName: briefs, Item: item, ConditionExpression: 'attribute_not_exists(pk)' };

        await remove(briefs, [k]);
        const sdkPut = answer(await sdkClient.send(new sdkLow.PutItemCommand(put)));
        const sdkStored = await read(briefs, k);
        await remove(briefs, [k]);
        const leanPut = answer(await leanClient.send(new leanLow.PutItemCommand(put)));
        expect(leanPut).toEqual(sdkPut);
        expect(await read(briefs, k)).toEqual(sdkStored);

        const sdkError = await rejection(sdkClient.send(new sdkLow.PutItemCommand(put)));
        const leanError = await rejection(leanClient.send(new leanLow.PutItemCommand(put)));
        expect(leanError).toBeInstanceOf(leanLow.ConditionalCheckFailedException);
        expect([leanError.name, leanError.message]).toEqual([sdkError.name, sdkError.message]);

        const get = { TableName: briefs, Key: marshall(k), ConsistentRead: true };
        const sdkGet = answer(await sdkClient.send(new sdkLow.GetItemCommand(get)));
        expect(answer(await leanClient.send(new leanLow.GetItemCommand(get)))).toEqual(sdkGet);
        expect(sdkGet.Item).toMatchObject({ title: { S: richValue(40).title }, nothing: { NULL: true } });

        await write(issues, [{ ...issue, state: 'sent' }]);
        const batch = {
          RequestItems: {
            [briefs]: {
              Keys: [marshall(k), marshall(key('low-none'))],
              ProjectionExpression: 'pk, sk, nested, tags',
            },
            [issues]: { Keys: [marshall(issue)], ConsistentRead: true },
          },
        };
        const sdkBatch = answer(await sdkClient.send(new sdkLow.BatchGetItemCommand(batch)));
        const leanBatch = answer(await leanClient.send(new leanLow.BatchGetItemCommand(batch)));
        const plain = (responses: unknown) =>
          Object.fromEntries(
            Object.entries(responses as Record<string, Doc[]>).map(([table, items]) => [
              table,
              items.map((i) => JSON.stringify(i)).sort(),
            ]),
          );
        expect(plain(leanBatch.Responses)).toEqual(plain(sdkBatch.Responses));
        expect(leanBatch.UnprocessedKeys).toEqual(sdkBatch.UnprocessedKeys);
        expect(plain(sdkBatch.Responses)[issues]).toHaveLength(1);
      });
    });
  });

  describe('SES', () => {
    const subject = 'Grüße aus Zürich — 東京の朝 ✉';
    const from = 'digest@example.com';
    const to = ['reader.one@example.com', 'reader.two@example.org'];
    const raw = new TextEncoder().encode(
      [
        `From: Tidings <${from}>`,
        `To: ${to.join(', ')}`,
        `Subject: =?UTF-8?B?${Buffer.from(subject).toString('base64')}?=`,
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        'Bonjour, ça va? Ελληνικά — 中文',
        '',
      ].join('\r\n'),
    );
    const input = {
      RawMessage: { Data: raw },
      Source: from,
      Destinations: to,
      Tags: [
        { Name: 'campaign', Value: `lean-${RUN}` },
        { Name: 'kind', Value: 'test_message' },
      ],
    };

    it('sends a raw message to the stand-in, which stores it', async () => {
      const ses = new SESClient({ endpoint: stack.sesUrl, region: REGION, credentials: CREDENTIALS });
      const result = await ses.send(new SendRawEmailCommand(input));
      expect(result.MessageId).toEqual(expect.any(String));
      expect(result.$metadata).toMatchObject({ httpStatusCode: 200, attempts: 1 });
      const stored = (await stack.inbox()).filter((email) => email.messageId === result.MessageId);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({
        subject,
        // The stand-in keeps the To field as written.
        destination: { to: [to.join(', ')] },
        body: { text: expect.stringContaining('Ελληνικά — 中文') },
      });
      expect(stored[0]?.from).toContain(from);
    });

    it('sends the same form as the SDK for the same input', async () => {
      const bodies: string[] = [];
      const capture: Server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          bodies.push(Buffer.concat(chunks).toString('utf8'));
          res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': `r-${bodies.length}` });
          res.end(
            '<SendRawEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><SendRawEmailResult><MessageId>0100-captured</MessageId></SendRawEmailResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></SendRawEmailResponse>',
          );
        });
      });
      await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
      try {
        const options = {
          endpoint: `http://127.0.0.1:${(capture.address() as AddressInfo).port}`,
          region: REGION,
          credentials: CREDENTIALS,
        };
        const sdkSes = new SdkSESClient(options);
        const sdkResult = await sdkSes.send(new SdkSendRawEmailCommand(input));
        sdkSes.destroy();
        const leanResult = await new SESClient(options).send(new SendRawEmailCommand(input));
        expect([sdkResult.MessageId, leanResult.MessageId]).toEqual(['0100-captured', '0100-captured']);
        const [sdkForm, leanForm] = bodies.map((body) => [...new URLSearchParams(body)].sort());
        expect(leanForm).toEqual(sdkForm);
        expect(Object.fromEntries(leanForm ?? [])).toMatchObject({
          'Destinations.member.2': to[1],
          'Tags.member.2.Value': 'test_message',
          'RawMessage.Data': Buffer.from(raw).toString('base64'),
        });
      } finally {
        capture.closeAllConnections();
        await new Promise((resolve) => capture.close(resolve));
      }
    });
  });

  describe.skipIf(Boolean(skipMoto))(
    `SQS and Secrets Manager on moto${skipMoto ? `: ${skipMoto}` : ''}`,
    () => {
      const config = () => ({
        region: REGION,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      });
      const motoEndpoint = (): string => {
        if (!moto) throw new Error('moto did not start');
        return moto.endpoint;
      };

      it('sends twelve messages in two batches, received intact by the SDK', async () => {
        const sdkSqs = new SdkSQSClient({ ...config(), endpoint: motoEndpoint() });
        const { QueueUrl = '' } = await sdkSqs.send(new CreateQueueCommand({ QueueName: `lean-${RUN}` }));
        const bodies = Array.from({ length: 12 }, (_, i) =>
          JSON.stringify({
            issueId: 'dc-2026-11-30',
            recipients: [{ email: `r${i}@exämple.com` }],
            note: '→ ✓',
          }),
        );
        const entries = bodies.map((MessageBody, i) => ({ Id: `e${i}`, MessageBody }));
        // No endpoint: the lean client sends to the queue URL's host, as the functions do.
        const sqs = new SQSClient(config());
        const sent = [
          await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries.slice(0, 10) })),
          await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries.slice(10) })),
        ];
        expect(sent.map((s) => s.Successful?.length)).toEqual([10, 2]);
        expect(sent.flatMap((s) => s.Failed ?? [])).toEqual([]);

        const received: { id: string | undefined; body: string | undefined }[] = [];
        for (let round = 0; round < 10 && received.length < 12; round++) {
          const { Messages = [] } = await sdkSqs.send(
            new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }),
          );
          received.push(...Messages.map((m) => ({ id: m.MessageId, body: m.Body })));
        }
        sdkSqs.destroy();
        expect(received.map((m) => m.body).sort()).toEqual([...bodies].sort());
        expect(received.map((m) => m.id).sort()).toEqual(
          sent.flatMap((s) => s.Successful?.map((x) => x.MessageId)).sort(),
        );
      });

      it('reads a string secret and a binary secret as the SDK does', async () => {
        const sdkSecrets = new SdkSecretsManagerClient({ ...config(), endpoint: motoEndpoint() });
        const text = JSON.stringify({ active: 'k1', keys: [{ id: 'k1', secret: 'sëcret/+=' }] });
        const bytes = new Uint8Array([0, 255, 1, 128, ...randomBytes(29)]);
        const stringArn = (
          await sdkSecrets.send(new CreateSecretCommand({ Name: `lean-${RUN}-text`, SecretString: text }))
        ).ARN;
        await sdkSecrets.send(new CreateSecretCommand({ Name: `lean-${RUN}-binary`, SecretBinary: bytes }));
        const secrets = new SecretsManagerClient({ ...config(), endpoint: motoEndpoint() });
        for (const SecretId of [stringArn ?? '', `lean-${RUN}-binary`]) {
          const expected = await sdkSecrets.send(new SdkGetSecretValueCommand({ SecretId }));
          const got = await secrets.send(new GetSecretValueCommand({ SecretId }));
          expect(declared(got)).toEqual(declared(expected));
        }
        const byName = await secrets.send(new GetSecretValueCommand({ SecretId: `lean-${RUN}-text` }));
        expect(byName.SecretString).toBe(text);
        const binary = await secrets.send(new GetSecretValueCommand({ SecretId: `lean-${RUN}-binary` }));
        expect(binary.SecretBinary).toBeInstanceOf(Uint8Array);
        expect(new Uint8Array(binary.SecretBinary ?? [])).toEqual(bytes);

        // A secret that is not there: the same exception, named by the service's code.
        const missing = { SecretId: `lean-${RUN}-absent` };
        const sdkError = await rejection(sdkSecrets.send(new SdkGetSecretValueCommand(missing)));
        const leanError = await rejection(secrets.send(new GetSecretValueCommand(missing)));
        const summary = (e: typeof sdkError) => [e.name, e.message, e.$fault, e.$metadata?.httpStatusCode];
        expect(summary(leanError)).toEqual(summary(sdkError));
        expect(leanError.name).toBe('ResourceNotFoundException');
        sdkSecrets.destroy();
      });
    },
  );
});

type Maybe<T> = T | undefined;

/** The fields of GetSecretValue's answer the lean client declares, the bytes of a binary secret as numbers. */
function declared(output: {
  ARN?: Maybe<string>;
  Name?: Maybe<string>;
  VersionId?: Maybe<string>;
  VersionStages?: Maybe<string[]>;
  SecretString?: Maybe<string>;
  SecretBinary?: Maybe<Uint8Array>;
}) {
  const { ARN, Name, VersionId, VersionStages, SecretString, SecretBinary } = output;
  return {
    ARN,
    Name,
    VersionId,
    VersionStages,
    SecretString,
    SecretBinary: SecretBinary && [...SecretBinary],
  };
}

/** JSON with sets as tagged arrays, and back: the expected item with its undefined fields gone. */
function setsAsArrays(_key: string, value: unknown): unknown {
  return value instanceof Set ? { $set: [...value] } : value;
}
function setsBack(_key: string, value: unknown): unknown {
  return value && typeof value === 'object' && '$set' in value
    ? new Set((value as { $set: unknown[] }).$set)
    : value;
}
