import { randomBytes } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoSubscriberStore } from '../../../lambdas/adapters/dynamo-subscriber-store.js';
import { parseKeyring, readerLinks } from '../../../lambdas/core/tokens.js';
import { startTestStack, type TestStack } from '../../support/stack.js';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

function event(
  method: string,
  path: string,
  options: { body?: string; headers?: Record<string, string>; query?: string; sourceIp?: string } = {},
): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: options.query ?? '',
    headers: { host: 'api.example.org', ...(options.headers ?? {}) },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.org',
      domainPrefix: 'api',
      http: {
        method,
        path,
        protocol: 'HTTP/1.1',
        sourceIp: options.sourceIp ?? '203.0.113.9',
        userAgent: 'test',
      },
      requestId: 'r1',
      routeKey: '$default',
      stage: '$default',
      time: '30/Nov/2026:08:00:00 +0000',
      timeEpoch: 0,
    },
    isBase64Encoded: false,
    ...(options.body !== undefined ? { body: options.body } : {}),
  } as APIGatewayProxyEventV2;
}

const SECRET = randomBytes(32).toString('base64');

describe('api handler', () => {
  let stack: TestStack;
  let handler: Handler;
  const secrets = mockClient(SecretsManagerClient);
  const saved = { ...process.env };

  beforeAll(async () => {
    stack = await startTestStack();
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({
        active: 'k1',
        keys: [{ id: 'k1', secret: SECRET }],
      }),
    });
    Object.assign(process.env, {
      TIDINGS_CONFIG: JSON.stringify(stack.config),
      TABLE_SUBSCRIBERS: stack.tables.subscribers,
      TABLE_ISSUES: stack.tables.issues,
      TABLE_LEDGER: stack.tables.ledger,
      TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:tokens',
      AWS_ENDPOINT_URL_DYNAMODB: stack.dynamodbUrl,
      AWS_ENDPOINT_URL_SES: stack.sesUrl,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    handler = (await import('../../../lambdas/handlers/api.js')).handler as unknown as Handler;
  });

  /** Stores an active reader of `editions` straight in DynamoDB; returns the store. */
  async function activeReader(email: string, editions: string[]): Promise<DynamoSubscriberStore> {
    const store = new DynamoSubscriberStore(stack.doc, stack.tables.subscribers);
    const at = new Date().toISOString();
    await store.save({
      email,
      status: 'active',
      editions,
      createdAt: at,
      updatedAt: at,
      consent: { method: 'operator', givenAt: at, confirmedAt: at },
    });
    return store;
  }

  /** The reader's unsubscribe link as mailed, signed with the function's keyring. */
  function unsubscribeUrl(email: string, edition: string): URL {
    const keyring = parseKeyring(JSON.stringify({ active: 'k1', keys: [{ id: 'k1', secret: SECRET }] }));
    return new URL(
      readerLinks(keyring, {
        baseUrl: 'https://api.example.org',
        mailDomain: 'tidings.example',
        email,
        edition,
      }).unsubscribeUrl,
    );
  }

  afterAll(async () => {
    process.env = saved;
    secrets.restore();
    await stack.close();
  });

  it('answers the health check through the Lambda adapter', async () => {
    const result = (await handler(event('GET', '/health'), {} as Context)) as {
      statusCode: number;
      body: string;
    };
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ ok: true });
  });

  it('subscribes through DynamoDB and SES, sending the confirmation before answering', async () => {
    const result = (await handler(
      event('POST', '/subscribe', {
        body: JSON.stringify({ email: 'lambda-reader@example.com', editions: ['dc'] }),
        headers: { 'content-type': 'application/json' },
      }),
      {} as Context,
    )) as { statusCode: number; body: string; headers: Record<string, string> };
    expect(result.statusCode).toBe(202);
    expect(JSON.parse(result.body)).toEqual({ status: 'pending' });
    expect(result.headers['referrer-policy']).toBe('no-referrer');
    const stored = await new DynamoSubscriberStore(stack.doc, stack.tables.subscribers).get(
      'lambda-reader@example.com',
    );
    expect(stored).toMatchObject({ status: 'pending', editions: ['dc'], consent: { method: 'form' } });
    expect(stored?.consent.clientHash).toMatch(/^k1:/);
    const mail = (await stack.inbox()).find((m) => m.destination.to.includes('lambda-reader@example.com'));
    expect(mail?.subject).toContain('Confirm');
  });

  it("honours a mail client's one-click POST delivered base64-encoded by API Gateway", async () => {
    const store = await activeReader('one-click@example.com', ['dc']);
    const url = unsubscribeUrl('one-click@example.com', 'dc');
    const request = event('POST', url.pathname, {
      query: url.search.slice(1),
      body: Buffer.from('List-Unsubscribe=One-Click').toString('base64'),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    request.isBase64Encoded = true;
    const result = (await handler(request, {} as Context)) as { statusCode: number };
    expect(result.statusCode).toBe(200);
    // The reason shows the body was decoded and read as RFC 8058's one-click.
    expect(await store.get('one-click@example.com')).toMatchObject({
      status: 'unsubscribed',
      editions: [],
      statusReason: 'one-click unsubscribe',
    });
  });

  it("lets a mailbox provider's valid one-click POSTs past the shared per-client limit, not bad ones", async () => {
    const limit = stack.config.api.rateLimitPerMinute;
    expect(limit).toBeGreaterThan(0);
    const store = await activeReader('provider-reader@example.com', ['dc', 'sg']);
    const url = unsubscribeUrl('provider-reader@example.com', 'dc');
    const oneClick = (query: string, sourceIp: string) =>
      handler(
        event('POST', url.pathname, {
          query,
          body: 'List-Unsubscribe=One-Click',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          sourceIp,
        }),
        {} as Context,
      ) as Promise<{ statusCode: number }>;
    const valid: number[] = [];
    for (let i = 0; i <= limit + 2; i++)
      valid.push((await oneClick(url.search.slice(1), '198.51.100.7')).statusCode);
    expect(new Set(valid)).toEqual(new Set([200]));
    expect((await store.get('provider-reader@example.com'))?.editions).toEqual(['sg']);
    // The limiter counts in one-minute windows of the system clock: start the bad ones early in one.
    const leftInWindow = 60_000 - (Date.now() % 60_000);
    if (leftInWindow < 15_000) await new Promise((resolve) => setTimeout(resolve, leftInWindow + 50));
    const bad: number[] = [];
    for (let i = 0; i <= limit; i++) bad.push((await oneClick('token=garbage', '198.51.100.8')).statusCode);
    expect(bad.slice(0, limit)).toEqual(Array(limit).fill(400));
    expect(bad[limit]).toBe(429);
  });

  it('answers a malformed token with a 400 page', async () => {
    const result = (await handler(event('GET', '/confirm', { query: 'token=nope' }), {} as Context)) as {
      statusCode: number;
      headers: Record<string, string>;
    };
    expect(result.statusCode).toBe(400);
    expect(result.headers['content-type']).toContain('text/html');
  });
});
