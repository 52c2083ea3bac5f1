import { createHash, createHmac } from 'node:crypto';
import { LambdaEnvironmentError } from '../lambda-environment.js';
import { ConnectionPool, type HttpAnswer } from './http1.js';

/**
 * What the functions' bundles call AWS with: the few operations they make (DynamoDB's item and
 * batch calls, SQS's SendMessageBatch, SES's SendRawEmail, Secrets Manager's GetSecretValue)
 * signed with Signature Version 4 over one keep-alive connection pool, in place of the AWS SDK's
 * clients. The bundles get these modules under the SDK's package names (esbuild aliases in
 * `infra/constructs/function-bundling.ts`), so the adapters keep importing the SDK and are tested
 * against it; the SDK's generic machinery (middleware stack, schemas, endpoint rule engine,
 * credential chain) is about 180 KiB of every bundle and most of a cold start's import time.
 *
 * What the SDK does that this keeps: the credentials Lambda gives (environment variables, with
 * the session token), the region's endpoint or `AWS_ENDPOINT_URL_<SERVICE>` / `AWS_ENDPOINT_URL`,
 * the standard retry mode (3 attempts; throttling, 5xx and dropped connections retried after a
 * jittered exponential delay) and service errors as exceptions named by their code, carrying
 * `$metadata.httpStatusCode`. What it leaves out: FIPS and dual-stack endpoints, other credential
 * sources, request checksums beyond SQS's body digests.
 */

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The client options the functions pass (others, such as `cacheMiddleware`, are accepted and ignored). */
export interface AwsClientConfig {
  region?: string;
  endpoint?: string;
  credentials?: Credentials | (() => Promise<Credentials>);
  maxAttempts?: number;
  /** How a retry waits (tests pass their own). */
  sleep?: (ms: number) => Promise<void>;
  [option: string]: unknown;
}

/** How a service is reached and signed for. */
export interface ServiceSpec {
  /** The SigV4 signing name (`dynamodb`, `sqs`, `ses`, `secretsmanager`). */
  signingName: string;
  /** The regional endpoint's host prefix (`email` for SES). */
  endpointPrefix: string;
  /** The suffix of its endpoint variable, `AWS_ENDPOINT_URL_<envId>`, as the SDK names it. */
  envId: string;
  /** Error codes that have a class of their own (so `instanceof` works as with the SDK). */
  errors?: Record<string, new (message: string, meta: ErrorMeta) => AwsServiceError>;
}

export interface ResponseMetadata {
  httpStatusCode: number;
  requestId?: string;
  attempts: number;
}

export interface ErrorMeta {
  name: string;
  status: number;
  requestId?: string | undefined;
  attempts: number;
}

/** A service's error answer, named by its code (`ConditionalCheckFailedException`, `Throttling`). */
export class AwsServiceError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: ResponseMetadata;

  constructor(message: string, meta: ErrorMeta) {
    super(message);
    this.name = meta.name;
    this.$fault = meta.status >= 500 ? 'server' : 'client';
    this.$metadata = {
      httpStatusCode: meta.status,
      attempts: meta.attempts,
      ...(meta.requestId ? { requestId: meta.requestId } : {}),
    };
  }
}

/** The error codes the SDK's standard retry mode treats as throttling. */
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);
const TRANSIENT_CODES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);
const NETWORK_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);
const DEFAULT_ATTEMPTS = 3;
const BASE_DELAY_MS = 100;
const THROTTLING_BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 20_000;

/** Whether a failed attempt is worth another (the standard retry mode's rule). */
export function retryable(error: unknown): boolean {
  if (error instanceof AwsServiceError) {
    const status = error.$metadata.httpStatusCode;
    return (
      THROTTLING.has(error.name) ||
      TRANSIENT_CODES.has(error.name) ||
      status === 429 ||
      TRANSIENT_STATUS.has(status)
    );
  }
  return NETWORK_ERRORS.has((error as NodeJS.ErrnoException)?.code ?? '');
}

export type { HttpAnswer };

/** One request to send: the protocol's body and headers, signed per attempt by {@link AwsClient}. */
export interface AwsRequest {
  /** The protocol's headers, names in lower case (as SigV4 signs them). */
  headers: Record<string, string>;
  body: string;
  /** The endpoint to use when none is configured (SQS's queue URL). */
  endpointHint?: string;
}

const hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** One keep-alive pool for every client of the process, as the SDK's clients each keep theirs. */
const pool = new ConnectionPool(50);

/**
 * The role's credentials, from the environment where Lambda puts them (the first link of the SDK's
 * default chain; profiles, SSO and instance metadata never run in a function). A function started
 * without them fails at its first call, naming the variables.
 */
export function environmentCredentials(): Credentials {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new LambdaEnvironmentError(
      'missing environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: a function takes its credentials from the environment Lambda gives it',
    );
  }
  const sessionToken = process.env.AWS_SESSION_TOKEN;
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/** `AWS_ENDPOINT_URL_SECRETS_MANAGER` and the like, then `AWS_ENDPOINT_URL`, as the SDK reads them. */
function configuredEndpoint(envId: string): string | undefined {
  if (process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true') return undefined;
  return process.env[`AWS_ENDPOINT_URL_${envId}`] || process.env.AWS_ENDPOINT_URL || undefined;
}

/** One service's signed calls: endpoint, credentials and region resolved as the SDK would. */
export class AwsClient {
  private readonly attempts: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private signingKey?: { day: string; secret: string; region: string; key: Buffer };

  constructor(
    private readonly spec: ServiceSpec,
    private readonly config: AwsClientConfig = {},
  ) {
    this.attempts = Math.max(1, config.maxAttempts ?? DEFAULT_ATTEMPTS);
    this.sleep = config.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  region(): string {
    const region = this.config.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (!region) throw new Error(`no region for ${this.spec.signingName}: set AWS_REGION`);
    return region;
  }

  private endpoint(hint: string | undefined): URL {
    // As the SDK: a client's own endpoint, then the queue URL's host (SQS), then the variables.
    if (this.config.endpoint) return new URL(this.config.endpoint);
    if (hint) return new URL(new URL(hint).origin);
    const configured = configuredEndpoint(this.spec.envId);
    if (configured) return new URL(configured);
    const region = this.region();
    const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
    return new URL(`https://${this.spec.endpointPrefix}.${region}.${suffix}`);
  }

  private async credentials(): Promise<Credentials> {
    const given = this.config.credentials;
    if (!given) return environmentCredentials();
    return typeof given === 'function' ? given() : given;
  }

  /** The day's signing key, derived once a day (four HMACs) rather than on every request. */
  private key(day: string, secret: string, region: string): Buffer {
    const cached = this.signingKey;
    if (cached && cached.day === day && cached.secret === secret && cached.region === region)
      return cached.key;
    const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), this.spec.signingName), 'aws4_request');
    this.signingKey = { day, secret, region, key };
    return key;
  }

  /** Signs `request` for `url` now (SigV4, headers signed: all given, host, date, token). */
  private async sign(url: URL, request: AwsRequest, body: Buffer): Promise<Record<string, string>> {
    const credentials = await this.credentials();
    const region = this.region();
    const stamp = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
    const day = stamp.slice(0, 8);
    const headers: Record<string, string> = {
      ...request.headers,
      host: url.host,
      'x-amz-date': stamp,
      ...(credentials.sessionToken ? { 'x-amz-security-token': credentials.sessionToken } : {}),
    };
    const names = Object.keys(headers).sort();
    const canonical = [
      'POST',
      url.pathname || '/',
      '',
      ...names.map((name) => `${name}:${headers[name]?.trim().replace(/\s+/g, ' ')}`),
      '',
      names.join(';'),
      hex(body),
    ].join('\n');
    const scope = `${day}/${region}/${this.spec.signingName}/aws4_request`;
    const toSign = ['AWS4-HMAC-SHA256', stamp, scope, hex(canonical)].join('\n');
    const signature = createHmac('sha256', this.key(day, credentials.secretAccessKey, region))
      .update(toSign)
      .digest('hex');
    return {
      ...headers,
      'content-length': String(body.length),
      'user-agent': 'tidings',
      authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
    };
  }

  /**
   * Sends `request`, retrying as the standard mode does; an error answer becomes the exception
   * `parseError` names (the service's class for it where {@link ServiceSpec.errors} has one).
   */
  async call(
    request: AwsRequest,
    parseError: (answer: HttpAnswer) => { code: string; message: string },
  ): Promise<{ answer: HttpAnswer; $metadata: ResponseMetadata }> {
    const url = this.endpoint(request.endpointHint);
    const body = Buffer.from(request.body, 'utf8');
    for (let attempt = 1; ; attempt++) {
      let error: unknown;
      try {
        const answer = await pool.post(url, await this.sign(url, request, body), body);
        const requestId = requestIdOf(answer);
        if (answer.status >= 200 && answer.status < 300) {
          return {
            answer,
            $metadata: {
              httpStatusCode: answer.status,
              attempts: attempt,
              ...(requestId ? { requestId } : {}),
            },
          };
        }
        const { code, message } = parseError(answer);
        const meta = {
          name: code || `Http${answer.status}`,
          status: answer.status,
          requestId,
          attempts: attempt,
        };
        const ErrorClass = this.spec.errors?.[meta.name];
        error = ErrorClass ? new ErrorClass(message, meta) : new AwsServiceError(message, meta);
      } catch (thrown) {
        error = thrown;
      }
      if (attempt >= this.attempts || !retryable(error)) throw error;
      const base =
        error instanceof AwsServiceError && THROTTLING.has(error.name)
          ? THROTTLING_BASE_DELAY_MS
          : BASE_DELAY_MS;
      await this.sleep(Math.random() * Math.min(MAX_DELAY_MS, base * 2 ** (attempt - 1)));
    }
  }
}

function requestIdOf(answer: HttpAnswer): string | undefined {
  const id = answer.headers['x-amzn-requestid'] ?? answer.headers['x-amz-request-id'];
  return typeof id === 'string' ? id : undefined;
}

/** A JSON protocol's error answer: `__type` (or the `x-amzn-errortype` header) and the message. */
export function jsonError(answer: HttpAnswer): { code: string; message: string } {
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(answer.body || '{}') as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's page): the status names the error.
  }
  const header = answer.headers['x-amzn-errortype'];
  const raw = String(parsed.__type ?? parsed.code ?? (typeof header === 'string' ? header : ''));
  // "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException" or "Code:http://…"
  const code = raw.slice(raw.lastIndexOf('#') + 1).split(':')[0] ?? '';
  const message = String(parsed.message ?? parsed.Message ?? (code || `HTTP ${answer.status}`));
  return { code, message };
}

/** Calls a JSON-protocol operation (`x-amz-json-1.0`/`1.1`) and parses its answer. */
export async function callJson<Output>(
  client: AwsClient,
  target: string,
  version: '1.0' | '1.1',
  input: unknown,
  endpointHint?: string,
): Promise<Output & { $metadata: ResponseMetadata }> {
  const { answer, $metadata } = await client.call(
    {
      headers: { 'content-type': `application/x-amz-json-${version}`, 'x-amz-target': target },
      body: JSON.stringify(input ?? {}),
      ...(endpointHint ? { endpointHint } : {}),
    },
    jsonError,
  );
  const output = answer.body ? (JSON.parse(answer.body) as Output) : ({} as Output);
  return Object.assign(output as object, { $metadata }) as Output & { $metadata: ResponseMetadata };
}
