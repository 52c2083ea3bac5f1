/**
 * `cold-start:<function>`: the time a fresh Node process takes to import a Lambda bundle, run its
 * initialisation (the configuration shipped in the bundle, clients, the token keyring read from a
 * local Secrets Manager stand-in) AND handle its first invocation, a representative event answered through the real
 * SDK clients against local stand-ins (DynamoDB; SES and SQS answer at once and count), against a fresh process importing an
 * empty handler and invoking it the same way. Work a function defers to its first call is counted,
 * so lazy loading cannot hide a cost. Bundles are built with the esbuild settings of
 * `infra/constructs/function-bundling.ts`.
 *
 * The events, one fresh set of data per run so every run does the same work:
 * - ingest: the scheduled event, every configured source (a local file of briefs; after the first
 *   run they are unchanged, as on most scheduled runs);
 * - compose: today's issue of an edition with 12 briefs and 50 readers (rendered, stored, one SQS
 *   message queued); the issue is removed again before the next run;
 * - send: one SQS message of one reader of a composed issue (status read, build, claim,
 *   SendRawEmail, settle, completion check). One reader, because a sender paces itself at its
 *   share of the account's SES rate (`planSendRate`: about 10 messages a second per sender at any
 *   configured rate), so every further reader in the message waits about 100 ms by design: that
 *   is the sending rate (the delivery figures), not start-up;
 * - feedback: one hard bounce through SNS;
 * - api: `POST /subscribe` of a new address (profile written, confirmation mailed).
 *
 *   npx tsx bench/cold-start.bench.ts [--repeats 7]
 *
 * `COLD_START_PROFILE=<dir>` writes a V8 CPU profile of every process started (`node --cpu-prof`)
 * and keeps the bundles with source maps, to see where a cold start's time goes;
 * `COLD_START_FUNCTIONS=compose,api` times only those functions.
 */
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { build } from 'esbuild';
import { readConfigFile } from '../cli/config-file.js';
import { MemorySendQueue } from '../cli/local/memory-send-queue.js';
import { localWiring } from '../cli/local/pipeline.js';
import { type LocalStack, startLocalStack } from '../cli/local/stack.js';
import { functionBuildOptions } from '../infra/constructs/function-bundling.js';
import { issueKey } from '../lambdas/adapters/dynamo-issue-store.js';
import { BUNDLED_CONFIG_FILE } from '../lambdas/adapters/lambda-environment.js';
import { TABLES } from '../lambdas/adapters/tables.js';
import type { Brief } from '../lambdas/core/brief.js';
import { composeIssue } from '../lambdas/core/compose.js';
import { parseConfig, type TidingsConfig } from '../lambdas/core/config.js';
import { currentIssueId } from '../lambdas/core/edition.js';
import { subscriber } from '../tests/support/fakes/delivery.js';
import { startSecretsStandIn } from '../tests/support/secrets-stand-in.js';
import { type Figure, numericFlags, runIfMain, stats } from './lib.js';

const run = promisify(execFile);

export const FUNCTIONS = ['ingest', 'compose', 'send', 'feedback', 'api'] as const;
type FunctionName = (typeof FUNCTIONS)[number];

/** The edition composed by each compose run, and the one whose issue each send run delivers. */
const COMPOSE_EDITION = 'sg';
const SEND_EDITION = 'bxl';
const READERS_PER_SEND = 1;
const MARK = 'COLD-START ';

/**
 * Runs inside the child, from just before the import to the end of the first invocation; the
 * parent times the whole process (start-up included) and reads the handler's answer after MARK.
 */
const PROBE = `
const started = performance.now();
const { handler } = await import(process.argv[1]);
const initMs = performance.now() - started;
const context = { awsRequestId: 'cold-start', functionName: 'bench', getRemainingTimeInMillis: () => 30000 };
const result = await handler(JSON.parse(process.env.BENCH_EVENT), context);
const totalMs = performance.now() - started;
process.stdout.write('\\n${MARK}' + JSON.stringify({ initMs, totalMs, result }) + '\\n');
process.exit(0);
`;

/** The esbuild settings of `infra/constructs/function-bundling.ts`, for a function's entry. */
export const bundleOptions = functionBuildOptions;

/** Builds a function's bundle as the stack does: the api alone carries `templates/` (its pages). */
async function bundle(
  name: FunctionName,
  outDir: string,
  config: TidingsConfig,
): Promise<{ dir: string; file: string; bytes: number }> {
  const dir = join(outDir, name);
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'index.mjs');
  // A profiled run (COLD_START_PROFILE) maps its samples back to sources through a source map.
  const sourcemap = process.env.COLD_START_PROFILE ? { sourcemap: 'external' as const } : {};
  await build({ ...bundleOptions(name), ...sourcemap, outfile: file });
  // The validated configuration beside the code, as the stack ships it (read from the task root).
  await writeFile(join(dir, BUNDLED_CONFIG_FILE), `${JSON.stringify(config)}\n`);
  if (name === 'api') await cp('templates', join(dir, 'templates'), { recursive: true });
  // The configured source is a local path, resolved from the task root as in Lambda.
  if (name === 'ingest') await cp('samples/briefs.json', join(dir, 'samples', 'briefs.json'));
  return { dir, file, bytes: (await stat(file)).size };
}

interface Timed {
  wallMs: number;
  initMs: number;
  result: unknown;
}

async function timeColdStart(
  file: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  event: unknown,
): Promise<Timed> {
  const started = performance.now();
  const profile = process.env.COLD_START_PROFILE;
  const flags = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`, '--cpu-prof-interval=100'] : [];
  const { stdout } = await run(process.execPath, [...flags, '--input-type=module', '-e', PROBE, file], {
    env: { ...env, BENCH_EVENT: JSON.stringify(event) },
    cwd,
    maxBuffer: 16 * 1024 * 1024,
  });
  const wallMs = performance.now() - started;
  const line = stdout.split('\n').find((l) => l.startsWith(MARK));
  if (!line) throw new Error(`${file} printed no result:\n${stdout.slice(-2000)}`);
  const { initMs, result } = JSON.parse(line.slice(MARK.length)) as { initMs: number; result: unknown };
  return { wallMs, initMs, result };
}

interface CountingStandIn {
  url: string;
  /** Messages taken. */
  received: () => number;
  close(): void;
}

/**
 * A stand-in that answers every request at once from `answer` (the request body in, the status,
 * content type and body out) and counts what `answer` says it took.
 */
async function countingStandIn(
  answer: (body: string) => { status: number; type: string; body: string; taken: number },
): Promise<CountingStandIn> {
  let received = 0;
  const server = createServer(async (request, response) => {
    let text = '';
    for await (const chunk of request) text += String(chunk);
    const answered = answer(text);
    received += answered.taken;
    response.writeHead(answered.status, { 'content-type': answered.type }).end(answered.body);
  });
  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
  return { url: `http://127.0.0.1:${port}`, received: () => received, close: () => server.close() };
}

/**
 * Answers SQS's SendMessageBatch (JSON protocol) as SQS would, with the body digests the SDK
 * checks, so compose's fan-out goes through the real client; the messages are counted, not kept.
 */
function startSqsStandIn(): Promise<CountingStandIn> {
  return countingStandIn((text) => {
    const entries = (JSON.parse(text) as { Entries?: { Id: string; MessageBody: string }[] }).Entries ?? [];
    const successful = entries.map(({ Id, MessageBody }) => ({
      Id,
      MessageId: randomUUID(),
      MD5OfMessageBody: createHash('md5').update(MessageBody).digest('hex'),
    }));
    const body = JSON.stringify({ Successful: successful, Failed: [] });
    return { status: 200, type: 'application/x-amz-json-1.0', body, taken: entries.length };
  });
}

/**
 * Answers SES's SendRawEmail (query protocol) at once with a message id and counts the messages,
 * as the SQS stand-in does: SES's own time is not the function's start-up, and the local SES
 * stand-in parses every message it is given (tens of milliseconds on the first).
 */
function startSesStandIn(): Promise<CountingStandIn> {
  return countingStandIn((text) => {
    const form = new URLSearchParams(text);
    if (form.get('Action') !== 'SendRawEmail' || !form.get('RawMessage.Data')) {
      return { status: 400, type: 'text/xml', body: '<ErrorResponse/>', taken: 0 };
    }
    const body = `<SendRawEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><SendRawEmailResult><MessageId>${randomUUID()}</MessageId></SendRawEmailResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></SendRawEmailResponse>`;
    return { status: 200, type: 'text/xml', body, taken: 1 };
  });
}

/** Twelve fresh briefs (the sample desk's, published an hour ago) for the two editions measured. */
async function freshBriefs(now: Date): Promise<Brief[]> {
  const sample = JSON.parse(await readFile('samples/briefs.json', 'utf8')) as { briefs: Brief[] };
  const at = new Date(now.getTime() - 3_600_000).toISOString();
  return sample.briefs.slice(0, 12).map((brief) => ({
    ...brief,
    editions: [COMPOSE_EDITION, SEND_EDITION],
    publishedAt: at,
    updatedAt: at,
  }));
}

const sqsRecord = (body: unknown): Record<string, unknown> => ({
  messageId: randomUUID(),
  receiptHandle: 'cold-start',
  body: JSON.stringify(body),
  attributes: {
    ApproximateReceiveCount: '1',
    SentTimestamp: String(Date.now()),
    SenderId: 'cold-start',
    ApproximateFirstReceiveTimestamp: String(Date.now()),
  },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:tidings-send',
  awsRegion: 'us-east-1',
});

const apiEvent = (email: string): Record<string, unknown> => ({
  version: '2.0',
  routeKey: '$default',
  rawPath: '/subscribe',
  rawQueryString: '',
  headers: { host: 'api.example.org', 'content-type': 'application/json' },
  requestContext: {
    accountId: '000000000000',
    apiId: 'api',
    domainName: 'api.example.org',
    domainPrefix: 'api',
    http: {
      method: 'POST',
      path: '/subscribe',
      protocol: 'HTTP/1.1',
      sourceIp: '203.0.113.9',
      userAgent: 'bench',
    },
    requestId: randomUUID(),
    routeKey: '$default',
    stage: '$default',
    time: '30/Nov/2026:08:00:00 +0000',
    timeEpoch: Date.now(),
  },
  isBase64Encoded: false,
  body: JSON.stringify({ email, editions: ['dc'] }),
});

/** The data every run needs, and each function's event (and clean-up) for run `i`. */
async function prepare(
  stack: LocalStack,
  runs: number,
): Promise<{ event(name: FunctionName, i: number): unknown; before(name: FunctionName): Promise<void> }> {
  const now = new Date();
  const wiring = localWiring(stack, { queue: new MemorySendQueue() });
  for (const brief of await freshBriefs(now)) await wiring.briefs.upsert(brief, now);
  for (let i = 0; i < 50; i++)
    await wiring.subscribers.save(subscriber(`compose-${i}@example.com`, [COMPOSE_EDITION]));
  for (let i = 0; i < runs * READERS_PER_SEND; i++)
    await wiring.subscribers.save(subscriber(`send-${i}@example.com`, [SEND_EDITION]));
  for (let i = 0; i < runs; i++)
    await wiring.subscribers.save(subscriber(`bounce-${i}@example.com`, [SEND_EDITION]));
  const composed = await composeIssue(wiring.compose(), { edition: SEND_EDITION, now });
  if (composed.outcome !== 'composed') throw new Error(`the send benchmark's issue was ${composed.outcome}`);
  const edition = stack.config.editions.find((e) => e.id === COMPOSE_EDITION);
  if (!edition) throw new Error(`no edition ${COMPOSE_EDITION} in the configuration`);
  return {
    async before(name) {
      // Each compose run composes today's issue anew (rendered, stored, queued).
      if (name !== 'compose') return;
      const issueId = currentIssueId(edition, new Date());
      await stack.doc.send(new DeleteCommand({ TableName: stack.tables.issues, Key: issueKey(issueId) }));
    },
    event(name, i) {
      switch (name) {
        case 'ingest':
          return { 'detail-type': 'Scheduled Event', source: 'aws.scheduler', detail: {} };
        case 'compose':
          return { edition: COMPOSE_EDITION };
        case 'send': {
          const recipients = Array.from({ length: READERS_PER_SEND }, (_, k) => ({
            email: `send-${i * READERS_PER_SEND + k}@example.com`,
          }));
          return { Records: [sqsRecord({ issueId: composed.issueId, recipients })] };
        }
        case 'feedback':
          return {
            Records: [
              {
                EventSource: 'aws:sns',
                Sns: {
                  Type: 'Notification',
                  Message: JSON.stringify({
                    eventType: 'Bounce',
                    bounce: {
                      bounceType: 'Permanent',
                      bounceSubType: 'General',
                      bouncedRecipients: [{ emailAddress: `bounce-${i}@example.com` }],
                    },
                    mail: { messageId: randomUUID() },
                  }),
                },
              },
            ],
          };
        case 'api':
          return apiEvent(`new-reader-${i}@example.com`);
      }
    },
  };
}

/** A handler's answer that means the event was not handled as a function's real work would be. */
function failedAnswer(name: FunctionName, result: unknown): string | undefined {
  const r = result as Record<string, unknown> | undefined;
  if (name === 'compose' && r?.outcome !== 'composed') return `compose ${String(r?.outcome)}`;
  if (name === 'send' && (r?.batchItemFailures as unknown[] | undefined)?.length) return 'send batch failed';
  if (name === 'feedback' && (r?.actions as unknown[] | undefined)?.length !== 1) return 'no bounce applied';
  if (name === 'api' && r?.statusCode !== 202) return `api answered ${String(r?.statusCode)}`;
  if (name === 'ingest' && (result as { error?: string }[]).some((s) => s.error)) return 'a source failed';
  return undefined;
}

export default async function coldStart(argv: string[]): Promise<Figure[]> {
  const { repeats } = numericFlags(argv, { repeats: 7 });
  const config = await readConfigFile({}, process.cwd());
  const outDir = await mkdtemp(join(tmpdir(), 'tidings-bundles-'));
  const secrets = await startSecretsStandIn();
  const sqs = await startSqsStandIn();
  const ses = await startSesStandIn();
  const stack = await startLocalStack({
    home: outDir,
    config,
    ports: { dynamodb: 0, ses: 0 },
    inMemory: true,
  });
  try {
    const runs = repeats + 2;
    const fixture = await prepare(stack, runs);
    // The functions' configuration, validated as the stack validates it.
    const shipped = parseConfig(config, 'cold-start');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
      AWS_ENDPOINT_URL_DYNAMODB: stack.dynamodbUrl,
      AWS_ENDPOINT_URL_SES: ses.url,
      AWS_ENDPOINT_URL_SQS: sqs.url,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:tidings',
      SEND_QUEUE_URL: `${sqs.url}/000000000000/tidings-send`,
      POWERTOOLS_METRICS_NAMESPACE: 'Tidings',
      LOG_LEVEL: 'ERROR',
      ...Object.fromEntries(Object.values(TABLES).map((t) => [t.envVar, stack.tables[t.id]])),
    };
    const emptyDir = join(outDir, 'empty');
    await mkdir(emptyDir, { recursive: true });
    const empty = join(emptyDir, 'index.mjs');
    await writeFile(empty, 'export const handler = async () => ({});\n');

    const figures: Figure[] = [];
    const only = process.env.COLD_START_FUNCTIONS?.split(',');
    const unknown = only?.filter((n) => !(FUNCTIONS as readonly string[]).includes(n)) ?? [];
    if (unknown.length > 0) {
      throw new Error(
        `COLD_START_FUNCTIONS names ${unknown.join(', ')}; the functions are ${FUNCTIONS.join(', ')}`,
      );
    }
    for (const name of FUNCTIONS.filter((n) => !only || only.includes(n))) {
      const { dir, file, bytes } = await bundle(name, outDir, shipped);
      const envFor = {
        ...env,
        POWERTOOLS_SERVICE_NAME: name,
        LAMBDA_TASK_ROOT: dir,
        ...(name === 'api' ? { TEMPLATES_DIR: join(dir, 'templates') } : {}),
      };
      const once = async (i: number): Promise<Timed> => {
        await fixture.before(name);
        const timed = await timeColdStart(file, dir, envFor, fixture.event(name, i));
        const failure = failedAnswer(name, timed.result);
        if (failure) throw new Error(`${name} cold start did not do its work: ${failure}`);
        return timed;
      };
      // Warm the file system cache (and, for ingest, store the briefs its later runs find unchanged).
      await once(0);
      await timeColdStart(empty, emptyDir, envFor, {});
      const fn: number[] = [];
      const init: number[] = [];
      const base: number[] = [];
      for (let i = 1; i <= repeats; i++) {
        const timed = await once(i);
        fn.push(timed.wallMs);
        init.push(timed.initMs);
        base.push((await timeColdStart(empty, emptyDir, envFor, {})).wallMs);
      }
      const a = stats(fn);
      const b = stats(base);
      figures.push({
        name: `cold-start:${name}`,
        value: a.median,
        unit: 'ms',
        spread: a.iqr,
        baseline: b.median,
        baselineSpread: b.iqr,
        baselineName: 'fresh Node process importing an empty handler and invoking it',
        ratio: a.median / b.median,
        higherIsBetter: false,
        command: 'npx tsx bench/cold-start.bench.ts',
        notes: `process start, init and first invocation (${describeEvent(name)}); init alone (import, keyring) median ${stats(init).median.toFixed(0)} ms; bundle ${(bytes / 1024).toFixed(0)} KiB (minified ESM, AWS called through lambdas/adapters/aws/); Node ${process.version} here, Node 22 on Lambda; against the local DynamoDB and Secrets Manager stand-ins, and SES and SQS stand-ins that answer at once`,
      });
    }
    if (only) return figures;
    if (sqs.received() === 0) throw new Error('compose queued nothing: its cold start did not fan out');
    // Every send and api run mails one reader (and the warm-up runs one more each).
    const mailed = 2 * (repeats + 1);
    if (ses.received() !== mailed) throw new Error(`SES was given ${ses.received()} messages, not ${mailed}`);
    return figures;
  } finally {
    secrets.close();
    sqs.close();
    ses.close();
    await stack.close();
    // A profiled run keeps the bundles and their source maps beside the profiles.
    if (process.env.COLD_START_PROFILE) console.error(`bundles and source maps kept in ${outDir}`);
    else await rm(outDir, { recursive: true, force: true });
  }
}

function describeEvent(name: FunctionName): string {
  return {
    ingest: 'scheduled run of the sample desk, its briefs unchanged',
    compose: `today's ${COMPOSE_EDITION} issue: 12 briefs rendered, 50 readers queued`,
    send: `one SQS message of ${READERS_PER_SEND} reader sent`,
    feedback: 'one hard bounce through SNS',
    api: 'POST /subscribe of a new address, confirmation mailed',
  }[name];
}

await runIfMain(import.meta.url, coldStart);
