import { createHash } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  SESClient as SdkSESClient,
  SendRawEmailCommand as SdkSendRawEmailCommand,
} from '@aws-sdk/client-ses';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '../../lambdas/adapters/aws/client-dynamodb.js';
import {
  elementText,
  rawEmailForm,
  SESClient,
  SendRawEmailCommand,
} from '../../lambdas/adapters/aws/client-ses.js';
import { SendMessageBatchCommand, SQSClient } from '../../lambdas/adapters/aws/client-sqs.js';
import type { Credentials } from '../../lambdas/adapters/aws/signed-call.js';

/**
 * The lean AWS clients the function bundles carry (lambdas/adapters/aws/) against a plain HTTP
 * server standing in for the service: their SigV4 signatures checked against the SDK's own signer
 * (@smithy/signature-v4 with the SDK clients' SHA-256) over the very request they sent, the standard
 * retry mode on scripted answers, endpoint and credential resolution from the environment, and the
 * SQS body digests.
 */

interface Captured {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface AwsError {
  name: string;
  message: string;
  $fault: string;
  $metadata: { httpStatusCode?: number; attempts?: number };
}

/** How the stand-in answers one request (in the order the requests arrive). */
type Reply = (res: ServerResponse, req: IncomingMessage) => void;

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Reply =>
  (res) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', ...headers });
    res.end(JSON.stringify(body));
  };
const text =
  (status: number, body: string, type = 'text/html'): Reply =>
  (res) => {
    res.writeHead(status, { 'content-type': type });
    res.end(body);
  };
/** The connection dropped after the request arrived, before any answer (ECONNRESET at the client). */
const drop: Reply = (_res, req) => req.socket.destroy();

const ENV_KEYS = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_ENDPOINT_URL_SES',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
];

const REGION = 'eu-west-1';
const KEYS: Credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const TEMPORARY: Credentials = {
  accessKeyId: 'ASIAEXAMPLE',
  secretAccessKey: 'temporary/secret+key',
  sessionToken: 'IQoJb3JpZ2luX2VjE//session/token==',
};
const THROTTLED = {
  __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
  message: 'slow down',
};
const CONDITION_FAILED = {
  __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
  message: 'The conditional request failed',
};
const SES_REJECTED =
  '<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type><Code>MessageRejected</Code><Message>Email address is not verified &amp; so on</Message></Error><RequestId>r1</RequestId></ErrorResponse>';

const md5 = (body: string): string => createHash('md5').update(body).digest('hex');

/** `20261130T060000Z` as a Date. */
function amzDate(stamp: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(stamp);
  if (!m) throw new Error(`not an x-amz-date: ${stamp}`);
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
}

/**
 * The authorization header the SDK's signer computes for the captured request: the same method,
 * host, path, body and date, over the headers the lean client chose to sign: all it sent but the
 * authorization itself, content-length and user-agent (the signer leaves out `connection`, which
 * Node adds, and adds the session token itself). A header sent but not signed would show here.
 */
async function sdkAuthorization(
  captured: Captured,
  service: string,
  region: string,
  credentials: Credentials,
): Promise<string | undefined> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(captured.headers)) {
    if (['authorization', 'content-length', 'user-agent'].includes(name)) continue;
    if (typeof value === 'string') headers[name] = value;
  }
  const [hostname = '', port] = String(captured.headers.host).split(':');
  // applyChecksum off: the lean client sends no x-amz-content-sha256 header (the signed payload hash is the same).
  const signer = new SignatureV4({ service, region, credentials, sha256: Sha256, applyChecksum: false });
  const signed = await signer.sign(
    {
      method: captured.method,
      protocol: 'http:',
      hostname,
      ...(port ? { port: Number(port) } : {}),
      path: captured.path,
      query: {},
      headers,
      body: captured.body,
    },
    { signingDate: amzDate(String(captured.headers['x-amz-date'])) },
  );
  return signed.headers.authorization;
}

describe('the lean AWS clients against a local HTTP service', () => {
  let server: Server;
  let url: string;
  let requests: Captured[];
  let replies: Reply[];
  let sleep: ReturnType<typeof vi.fn<(ms: number) => Promise<void>>>;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        requests.push({
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        const reply = replies.shift() ?? text(599, 'no answer scripted', 'text/plain');
        reply(res, req);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    requests = [];
    replies = [];
    sleep = vi.fn(async (_ms: number) => undefined);
    for (const key of ENV_KEYS) saved[key] = process.env[key];
  });

  afterEach(() => {
    vi.restoreAllMocks();
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  const dynamo = (config: Record<string, unknown> = {}) =>
    new DynamoDBClient({ endpoint: url, region: REGION, credentials: KEYS, sleep, ...config });

  describe('SigV4', () => {
    it('signs a DynamoDB JSON request as the SDK signer does', async () => {
      replies.push(json(200, { Item: { pk: { S: 'a' } } }));
      await dynamo().send(
        new GetItemCommand({ TableName: 'tidings-dev-ledger', Key: { pk: { S: 'a' }, sk: { S: 'Zürich' } } }),
      );
      const [captured] = requests;
      if (!captured) throw new Error('no request');
      expect(captured.method).toBe('POST');
      expect(captured.headers['x-amz-target']).toBe('DynamoDB_20120810.GetItem');
      expect(captured.headers['x-amz-security-token']).toBeUndefined();
      expect(captured.headers.authorization).toBe(await sdkAuthorization(captured, 'dynamodb', REGION, KEYS));
      expect(captured.headers.authorization).toContain(
        `Credential=${KEYS.accessKeyId}/${String(captured.headers['x-amz-date']).slice(0, 8)}/${REGION}/dynamodb/aws4_request`,
      );
    });

    it('signs with a session token from the environment, the token a signed header', async () => {
      Object.assign(process.env, {
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: TEMPORARY.accessKeyId,
        AWS_SECRET_ACCESS_KEY: TEMPORARY.secretAccessKey,
        AWS_SESSION_TOKEN: TEMPORARY.sessionToken,
      });
      replies.push(json(200, {}));
      await new DynamoDBClient({ endpoint: url, sleep }).send(
        new PutItemCommand({ TableName: 't', Item: { pk: { S: 'b' }, n: { N: '1.5' } } }),
      );
      const [captured] = requests;
      if (!captured) throw new Error('no request');
      expect(captured.headers['x-amz-security-token']).toBe(TEMPORARY.sessionToken);
      expect(captured.headers.authorization).toMatch(/SignedHeaders=[^,]*x-amz-security-token/);
      expect(captured.headers.authorization).toBe(
        await sdkAuthorization(captured, 'dynamodb', 'us-east-1', TEMPORARY),
      );
    });

    it("signs for the region in force at each call, not the first call's (the signing key is kept per region)", async () => {
      process.env.AWS_REGION = 'eu-west-1';
      const client = new DynamoDBClient({ endpoint: url, credentials: KEYS, sleep });
      replies.push(json(200, {}), json(200, {}));
      await client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }));
      process.env.AWS_REGION = 'ap-southeast-1';
      await client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }));
      const [first, second] = requests;
      if (!first || !second) throw new Error('two requests expected');
      expect(first.headers.authorization).toBe(await sdkAuthorization(first, 'dynamodb', 'eu-west-1', KEYS));
      expect(second.headers.authorization).toBe(
        await sdkAuthorization(second, 'dynamodb', 'ap-southeast-1', KEYS),
      );
    });

    it('signs an SES form request (with a session token) as the SDK signer does', async () => {
      replies.push(
        text(
          200,
          '<SendRawEmailResponse><SendRawEmailResult><MessageId>m-1</MessageId></SendRawEmailResult></SendRawEmailResponse>',
          'text/xml',
        ),
      );
      const ses = new SESClient({ endpoint: url, region: REGION, credentials: TEMPORARY, sleep });
      const result = await ses.send(
        new SendRawEmailCommand({
          RawMessage: { Data: new TextEncoder().encode('Subject: Grüße\r\n\r\nHallo, Welt — ✓\r\n') },
          Source: 'digest@example.com',
          Destinations: ['reader+1@example.com'],
          Tags: [{ Name: 'issue', Value: 'dc-2026-11-30' }],
        }),
      );
      expect(result.MessageId).toBe('m-1');
      const [captured] = requests;
      if (!captured) throw new Error('no request');
      expect(captured.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8');
      expect(new URLSearchParams(captured.body).get('Action')).toBe('SendRawEmail');
      expect(captured.headers.authorization).toBe(await sdkAuthorization(captured, 'ses', REGION, TEMPORARY));
    });
  });

  describe('retries', () => {
    it('retries a 500 and succeeds on the second attempt, after a delay below 100 ms', async () => {
      // The jitter at its top, so that the delay shows its cap.
      vi.spyOn(Math, 'random').mockReturnValue(0.999);
      replies.push(
        json(500, { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'boom' }),
        json(200, { Item: { pk: { S: 'a' } } }, { 'x-amzn-requestid': 'req-2' }),
      );
      const result = await dynamo().send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }));
      expect(result.Item).toEqual({ pk: { S: 'a' } });
      expect(result.$metadata).toEqual({ httpStatusCode: 200, attempts: 2, requestId: 'req-2' });
      expect(requests).toHaveLength(2);
      expect(sleep).toHaveBeenCalledTimes(1);
      expect(sleep.mock.calls[0]?.[0]).toBeCloseTo(99.9);
    });

    it('gives up on throttling after three attempts, two delays between them', async () => {
      vi.spyOn(Math, 'random').mockReturnValue(0.999);
      replies.push(json(400, THROTTLED), json(400, THROTTLED), json(400, THROTTLED), json(200, {}));
      const error = await dynamo()
        .send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).toMatchObject({
        name: 'ThrottlingException',
        message: 'slow down',
        $fault: 'client',
        $metadata: { httpStatusCode: 400, attempts: 3 },
      });
      expect(requests).toHaveLength(3);
      expect(sleep).toHaveBeenCalledTimes(2);
      // Throttling backs off from 500 ms (other errors from 100 ms), doubling, jittered below the cap.
      expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([499.5, 999]);
    });

    it('does not retry a failed condition, thrown as the ConditionalCheckFailedException class', async () => {
      replies.push(json(400, CONDITION_FAILED), json(200, {}));
      const error = await dynamo()
        .send(
          new PutItemCommand({
            TableName: 't',
            Item: { pk: { S: 'a' } },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        )
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConditionalCheckFailedException);
      expect(error).toMatchObject({
        name: 'ConditionalCheckFailedException',
        message: 'The conditional request failed',
        $metadata: { httpStatusCode: 400, attempts: 1 },
      });
      expect(requests).toHaveLength(1);
      expect(sleep).not.toHaveBeenCalled();
    });

    it('retries a connection dropped before the answer (ECONNRESET)', async () => {
      replies.push(drop, json(200, { Item: { pk: { S: 'again' } } }));
      const result = await dynamo().send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'again' } } }));
      expect(result.Item).toEqual({ pk: { S: 'again' } });
      expect(result.$metadata.attempts).toBe(2);
      expect(requests).toHaveLength(2);
    });

    it('throws the dropped connection itself once the attempts are spent', async () => {
      replies.push(drop, drop);
      const error = await dynamo({ maxAttempts: 2 })
        .send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ECONNRESET' });
      expect(requests).toHaveLength(2);
    });

    it('names an error without a JSON body by its status (a proxy’s 502 page)', async () => {
      const page = '<html><body>502 Bad Gateway</body></html>';
      replies.push(text(502, page), text(502, page), text(502, page));
      const error = await dynamo()
        .send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        name: 'Http502',
        $fault: 'server',
        $metadata: { httpStatusCode: 502, attempts: 3 },
      });
      expect(requests).toHaveLength(3);
    });

    it('reads an SES query error: its code as the name, the message decoded, not retried', async () => {
      replies.push(text(400, SES_REJECTED, 'text/xml'), text(200, '<MessageId>late</MessageId>', 'text/xml'));
      const ses = new SESClient({ endpoint: url, region: REGION, credentials: KEYS, sleep });
      const error = await ses
        .send(
          new SendRawEmailCommand({ RawMessage: { Data: 'Subject: x\r\n\r\ny' }, Destinations: ['a@b.c'] }),
        )
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        name: 'MessageRejected',
        message: 'Email address is not verified & so on',
        $metadata: { httpStatusCode: 400, attempts: 1 },
      });
      expect(requests).toHaveLength(1);
      expect(sleep).not.toHaveBeenCalled();

      // The SDK's client reads the same answer alike.
      replies = [text(400, SES_REJECTED, 'text/xml')];
      const sdk = new SdkSESClient({ endpoint: url, region: REGION, credentials: KEYS });
      const sdkError = await sdk
        .send(new SdkSendRawEmailCommand({ RawMessage: { Data: new Uint8Array([120]) } }))
        .catch((e: unknown) => e);
      sdk.destroy();
      const summary = (e: unknown) => {
        const { name, message, $fault, $metadata } = e as AwsError;
        return { name, message, $fault, status: $metadata.httpStatusCode, attempts: $metadata.attempts };
      };
      expect(summary(error)).toEqual(summary(sdkError));
    });
  });

  describe('endpoints and credentials', () => {
    it('sends to AWS_ENDPOINT_URL_DYNAMODB when no endpoint is configured, ahead of AWS_ENDPOINT_URL', async () => {
      Object.assign(process.env, {
        AWS_ENDPOINT_URL_DYNAMODB: url,
        // Nothing listens there: a request sent to it would fail the test.
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      });
      delete process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS;
      replies.push(json(200, { Item: { pk: { S: 'env' } } }));
      const client = new DynamoDBClient({ region: REGION, credentials: KEYS, maxAttempts: 1, sleep });
      const result = await client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'env' } } }));
      expect(result.Item).toEqual({ pk: { S: 'env' } });
      expect(requests.map((r) => r.headers['x-amz-target'])).toEqual(['DynamoDB_20120810.GetItem']);
    });

    it("sends SQS's batch to the queue URL's origin when the client has no endpoint, as the SDK does, whatever the variables say", async () => {
      process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:9/';
      process.env.AWS_ENDPOINT_URL_SQS = 'http://127.0.0.1:9/';
      const queueUrl = `${url}/123456789012/tidings-dev-send`;
      const body = JSON.stringify({ issueId: 'dc-2026-11-30', recipients: [{ email: 'ä@example.com' }] });
      replies.push(json(200, { Successful: [{ Id: '0', MessageId: 'm0', MD5OfMessageBody: md5(body) }] }));
      const sqs = new SQSClient({ region: REGION, credentials: KEYS, sleep });
      const result = await sqs.send(
        new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: '0', MessageBody: body }] }),
      );
      expect(result.Successful).toEqual([{ Id: '0', MessageId: 'm0', MD5OfMessageBody: md5(body) }]);
      const [captured] = requests;
      expect(captured?.path).toBe('/');
      expect(captured?.headers.host).toBe(new URL(url).host);
      expect(captured?.headers['x-amz-target']).toBe('AmazonSQS.SendMessageBatch');
      expect(JSON.parse(captured?.body ?? '')).toEqual({
        QueueUrl: queueUrl,
        Entries: [{ Id: '0', MessageBody: body }],
      });
    });

    it('says which variables are missing when there are no credentials', async () => {
      for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'])
        delete process.env[key];
      const client = new DynamoDBClient({ endpoint: url, region: REGION, sleep });
      await expect(
        client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } })),
      ).rejects.toThrow(/AWS_ACCESS_KEY_ID/);
      expect(requests).toEqual([]);
    });
  });

  describe("SQS's body digests", () => {
    const queueUrl = () => `${url}/123456789012/q`;
    const entries = [
      { Id: 'a', MessageBody: 'first — ✓' },
      { Id: 'b', MessageBody: '{"second":true}' },
    ];

    it('accepts an answer whose digests match the bodies sent', async () => {
      replies.push(
        json(200, {
          Successful: entries.map((e) => ({
            Id: e.Id,
            MessageId: `m-${e.Id}`,
            MD5OfMessageBody: md5(e.MessageBody),
          })),
        }),
      );
      const sqs = new SQSClient({ region: REGION, credentials: KEYS, endpoint: url, sleep });
      const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl(), Entries: entries }));
      expect(result.Successful?.map((s) => s.MessageId)).toEqual(['m-a', 'm-b']);
    });

    it('throws when a digest does not match its body', async () => {
      replies.push(
        json(200, {
          Successful: [
            { Id: 'a', MessageId: 'm-a', MD5OfMessageBody: md5(entries[0]?.MessageBody ?? '') },
            // The digest of the other entry's body: the body SQS stored is not the one sent for b.
            { Id: 'b', MessageId: 'm-b', MD5OfMessageBody: md5(entries[0]?.MessageBody ?? '') },
          ],
        }),
      );
      const sqs = new SQSClient({ region: REGION, credentials: KEYS, endpoint: url, sleep });
      await expect(
        sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl(), Entries: entries })),
      ).rejects.toThrow(/digest .* for entry b/);
    });
  });
});

describe("the SES answer's XML text", () => {
  it('decodes named and numeric references, and reads a reference to no character as U+FFFD', () => {
    const xml = (text: string): string => `<ErrorResponse><Message>${text}</Message></ErrorResponse>`;
    expect(elementText(xml('a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;'), 'Message')).toBe(
      `a & b <c> "d" 'e'`,
    );
    expect(elementText(xml('&#233;&#xe9;&#X1F600;'), 'Message')).toBe('éé😀');
    expect(elementText(xml('&#x110000; &#99999999999; &#1f;'), 'Message')).toBe('\ufffd \ufffd \ufffd');
    expect(elementText(xml('plain'), 'Code')).toBeUndefined();
  });
});

describe('the SendRawEmail form', () => {
  it('encodes exactly the bytes of a message given as a view into a larger buffer', () => {
    const whole = Buffer.from(`xxSubject: é\r\n\r\nbody${'y'.repeat(5000)}`, 'utf8');
    const view = new Uint8Array(whole.buffer, whole.byteOffset + 2, whole.byteLength - 7);
    const form = rawEmailForm({ RawMessage: { Data: view }, Destinations: ['a@example.com'] });
    expect(form.get('RawMessage.Data')).toBe(Buffer.from(view).toString('base64'));
    expect(rawEmailForm({ RawMessage: { Data: 'Subject: é' } }).get('RawMessage.Data')).toBe(
      Buffer.from('Subject: é', 'utf8').toString('base64'),
    );
  });
});
