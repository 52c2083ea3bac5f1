import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SesMailer } from '../../lambdas/adapters/ses-mailer.js';
import { TABLES, type TableDefinition, type TableNames, tableNames } from '../../lambdas/adapters/tables.js';
import type { TidingsConfig } from '../../lambdas/core/config.js';
import { TidingsError } from '../../lambdas/core/errors.js';
import type { Mailer } from '../../lambdas/core/ports.js';
import { OutboxMailer } from './outbox-mailer.js';
import { localFeedbackSink, type SesEventSink, tapSendEvents } from './ses-events.js';

const require = createRequire(import.meta.url);

/** Default ports of CONTRACT.md; each can be overridden by its environment variable. */
export const DEFAULT_PORTS = { api: 3000, ses: 8005, dynamodb: 8000 } as const;

export interface LocalPorts {
  api: number;
  ses: number;
  dynamodb: number;
}

export interface StackFile {
  pid: number;
  ports: LocalPorts;
  home: string;
  startedAt: string;
}

export interface LocalStack {
  config: TidingsConfig;
  home: string;
  tables: TableNames;
  dynamo: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  ses: SESClient;
  /** Base URL of the SES stand-in (its inbox viewer and `GET /store`). */
  sesUrl: string;
  dynamodbUrl: string;
  /** SES SendRawEmail plus a copy of each raw message under `outbox/`. */
  mailer: Mailer;
  ports: LocalPorts;
  /** Path of the token secret file (JSON keyring, mode 600). */
  secretPath: string;
  /** True when this process started the stand-ins (false when attached to a running `tidings dev`). */
  owned: boolean;
  close(): Promise<void>;
}

export interface LocalStackOptions {
  home?: string;
  config: TidingsConfig;
  ports?: Partial<Pick<LocalPorts, 'dynamodb' | 'ses'>>;
  /** Keep DynamoDB data in memory (tests); otherwise LevelDB under `$home/data`. */
  inMemory?: boolean;
  /**
   * Run dynalite on the calling thread instead of a thread of its own (a benchmark compares the
   * two); its work then takes turns with the code that calls it.
   */
  dynamodbOnCallerThread?: boolean;
  /**
   * Where the SES stand-in's Send events go (see `ses-events.ts`); default the feedback code on
   * this stack's tables, as SES's event publishing reaches the feedback function in AWS.
   */
  sesEvents?: SesEventSink;
  /**
   * A fault of the DynamoDB stand-in after it started (another process took its database):
   * default one line on stderr and exit 1, as nothing this process does can go on without it.
   */
  onFault?: StackFaultHandler;
}

/** A `TIDINGS_*_PORT` setting that is not a port number: bad input, exit 2. */
export class PortSettingError extends TidingsError {
  override readonly name = 'PortSettingError';
  override readonly kind = 'invalid-input';
}

/**
 * The local stack cannot start or keep running for a reason on this machine (a port taken, the
 * database folder locked by another process or damaged); the message says what to do. Exit 1.
 */
export class LocalStackError extends TidingsError {
  override readonly name = 'LocalStackError';
  override readonly kind = 'unavailable';
}

/** `$TIDINGS_HOME`, default `./.tidings`. */
export function tidingsHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.TIDINGS_HOME || join(process.cwd(), '.tidings');
}

function portFromEnv(name: string, fallback: number, env: NodeJS.ProcessEnv): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new PortSettingError(`${name} must be a port number from 0 to 65535, got "${raw.slice(0, 40)}"`);
  }
  return port;
}

/** Ports of CONTRACT.md with the `TIDINGS_*_PORT` overrides applied. */
export function configuredPorts(env: NodeJS.ProcessEnv = process.env): LocalPorts {
  return {
    api: portFromEnv('TIDINGS_API_PORT', DEFAULT_PORTS.api, env),
    ses: portFromEnv('TIDINGS_SES_PORT', DEFAULT_PORTS.ses, env),
    dynamodb: portFromEnv('TIDINGS_DYNAMODB_PORT', DEFAULT_PORTS.dynamodb, env),
  };
}

const DUMMY_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const REGION = 'us-east-1';

/** SDK clients pointed at the stand-ins, as the SDK would be by `AWS_ENDPOINT_URL_*`. */
export function localClients(
  dynamodbUrl: string,
  sesUrl: string,
): {
  dynamo: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  ses: SESClient;
  destroy(): void;
} {
  const options = { endpoint: dynamodbUrl, region: REGION, credentials: DUMMY_CREDENTIALS };
  // As in the send function: the low-level client and the SES client resolve their middleware once
  // per command instead of on every call (the send path's stores use the low-level client); the
  // document client, which refuses that option, has a client of its own.
  const dynamo = new DynamoDBClient({ ...options, cacheMiddleware: true });
  const documentBase = new DynamoDBClient(options);
  const doc = DynamoDBDocumentClient.from(documentBase, { marshallOptions: { removeUndefinedValues: true } });
  const ses = new SESClient({
    endpoint: sesUrl,
    region: REGION,
    credentials: DUMMY_CREDENTIALS,
    cacheMiddleware: true,
  });
  return {
    dynamo,
    doc,
    ses,
    destroy() {
      dynamo.destroy();
      documentBase.destroy();
      ses.destroy();
    },
  };
}

/**
 * Points SDK clients built elsewhere in this process (handlers build theirs with no options) at
 * the stand-ins, through the SDK's own endpoint variables, with dummy credentials.
 */
export function exportStackEnv(stack: Pick<LocalStack, 'dynamodbUrl' | 'sesUrl'>): void {
  process.env.AWS_ENDPOINT_URL_DYNAMODB = stack.dynamodbUrl;
  process.env.AWS_ENDPOINT_URL_SES = stack.sesUrl;
  process.env.AWS_REGION ??= REGION;
  process.env.AWS_ACCESS_KEY_ID ??= DUMMY_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= DUMMY_CREDENTIALS.secretAccessKey;
}

function createTableInput(name: string, def: TableDefinition): CreateTableCommandInput {
  const attributes = new Map<string, 'S' | 'N'>();
  const keySchema = [{ AttributeName: def.partitionKey.name, KeyType: 'HASH' as const }];
  attributes.set(def.partitionKey.name, def.partitionKey.type);
  if (def.sortKey) {
    keySchema.push({ AttributeName: def.sortKey.name, KeyType: 'RANGE' as never });
    attributes.set(def.sortKey.name, def.sortKey.type);
  }
  const indexes = def.indexes.map((index) => {
    attributes.set(index.partitionKey.name, index.partitionKey.type);
    const schema = [{ AttributeName: index.partitionKey.name, KeyType: 'HASH' as const }];
    if (index.sortKey) {
      attributes.set(index.sortKey.name, index.sortKey.type);
      schema.push({ AttributeName: index.sortKey.name, KeyType: 'RANGE' as never });
    }
    return { IndexName: index.name, KeySchema: schema, Projection: { ProjectionType: 'ALL' as const } };
  });
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: keySchema,
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes } : {}),
  };
}

/**
 * Creates every table of {@link TABLES} that does not exist yet, and returns once each is
 * `ACTIVE`: the stand-in answers a table still `CREATING` with ResourceNotFoundException, as
 * DynamoDB does, and on a busy machine its switch to `ACTIVE` can come after the first request.
 * TTL is not set: dynalite has no UpdateTimeToLive.
 */
export async function ensureTables(dynamo: DynamoDBClient, names: TableNames): Promise<void> {
  for (const def of Object.values(TABLES)) {
    const name = names[def.id];
    try {
      await dynamo.send(new DescribeTableCommand({ TableName: name }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      await dynamo.send(new CreateTableCommand(createTableInput(name, def)));
    }
    await untilActive(dynamo, name);
  }
}

async function untilActive(dynamo: DynamoDBClient, name: string): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`local table ${name} did not become ACTIVE within 5 s`);
}

/** Creates the local token keyring on first start (mode 600); the same JSON shape as the AWS secret. */
export async function ensureSecret(path: string): Promise<void> {
  try {
    await stat(path);
  } catch {
    const keyring = { active: 'k1', keys: [{ id: 'k1', secret: randomBytes(32).toString('base64') }] };
    await writeFile(path, `${JSON.stringify(keyring)}\n`, { mode: 0o600, flag: 'wx' }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      },
    );
  }
  await chmod(path, 0o600);
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

interface DynaliteServer {
  port: number;
  close(): Promise<void>;
}

/** What to do about a database folder that LevelDB cannot open, by LevelDB's error code. */
export function databaseProblem(dataDir: string, code: string | undefined, detail: string): string {
  if (code === 'LEVEL_LOCKED') {
    return `another process is using the local database in ${dataDir}: run "tidings dev" in one terminal and other commands share its stack, or wait for the other command to finish`;
  }
  return `the local database in ${dataDir} cannot be opened (${detail}): move that folder aside to start with an empty database (the rest of $TIDINGS_HOME can stay)`;
}

/** A fault after start: the database thread failed while commands were using it. */
function onDatabaseFault(dataDir: string | undefined, error: Error): LocalStackError {
  const detail = error.message.split('\n')[0] ?? '';
  return new LocalStackError(
    dataDir && /Database is (closed|not open)|LEVEL_/i.test(detail)
      ? databaseProblem(dataDir, 'LEVEL_LOCKED', detail)
      : `the DynamoDB stand-in stopped: ${detail}`,
    { cause: error },
  );
}

/** What happens when the stand-in fails after it started: one line, then the process ends. */
export type StackFaultHandler = (error: LocalStackError) => void;

const exitOnFault: StackFaultHandler = (error) => {
  process.stderr.write(`tidings: ${error.message}\n`);
  process.exit(1);
};

/** Starts dynalite on a worker thread of its own (see `dynalite-thread.cjs`). */
function startDynalite(
  options: Record<string, unknown>,
  port: number,
  onFault: StackFaultHandler,
): Promise<DynaliteServer> {
  const worker = new Worker(new URL('./dynalite-thread.cjs', import.meta.url), {
    workerData: { options, port },
  });
  const ended = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const dataDir = typeof options.path === 'string' ? options.path : undefined;
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once(
      'message',
      (message: { port?: number; error?: string; code?: string; database?: boolean }) => {
        worker.off('error', reject);
        if (message.error !== undefined || message.port === undefined) {
          void worker.terminate();
          const detail = message.error ?? 'no port';
          reject(
            message.database && dataDir
              ? new LocalStackError(databaseProblem(dataDir, message.code, detail))
              : new Error(detail),
          );
          return;
        }
        // Another process may still take the database between our check and dynalite's own open;
        // the thread then fails under a running command: say so in one line, not with its trace.
        worker.on('error', (error) => onFault(onDatabaseFault(dataDir, error)));
        resolve({
          port: message.port,
          async close() {
            worker.postMessage('close');
            await ended;
          },
        });
      },
    );
  });
}

/** Starts dynalite on the calling thread. */
async function startDynaliteHere(options: Record<string, unknown>, port: number): Promise<DynaliteServer> {
  const dynalite = require('dynalite') as (opts: Record<string, unknown>) => Server;
  const server = dynalite(options);
  return { port: await listen(server, port), close: () => closeServer(server) };
}

type SesServerFactory = (config?: { host?: string; port?: number }) => Promise<Server>;

async function startSes(port: number): Promise<Server> {
  const mod = require('aws-ses-v2-local') as { default: SesServerFactory };
  const probe = (await import('node:net')).createServer();
  // aws-ses-v2-local has no port-0 support of its own and, when its port is taken, resolves with a
  // server that is not listening: ask the OS for the port first, so a taken one is said as such.
  const chosen = await listen(probe as unknown as Server, port).finally(() => probe.close());
  const server = await mod.default({ host: '127.0.0.1', port: chosen });
  if (!server.listening || server.address() === null) {
    server.close();
    throw new Error(`listen EADDRINUSE: address already in use 127.0.0.1:${chosen}`);
  }
  return server;
}

/** The words for a stand-in that could not take its port, naming the setting that moves it. */
function portProblem(what: string, setting: string, port: number, error: unknown): LocalStackError {
  const code = (error as NodeJS.ErrnoException).code;
  const taken = code === 'EADDRINUSE' || /EADDRINUSE/.test((error as Error).message);
  return new LocalStackError(
    taken
      ? `cannot start the ${what} on 127.0.0.1:${port}: EADDRINUSE, the port is in use (another tidings dev, or another program): stop it or set ${setting} to a free port`
      : `cannot start the ${what} on 127.0.0.1:${port}: ${(error as Error).message}`,
    { cause: error },
  );
}

/**
 * Starts dynalite and aws-ses-v2-local in this process, creates missing tables, and returns SDK
 * clients pointed at them. Ports default to those of CONTRACT.md; pass 0 for ephemeral ports.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const home = options.home ?? tidingsHome();
  const defaults = configuredPorts();
  const wanted = {
    dynamodb: options.ports?.dynamodb ?? defaults.dynamodb,
    ses: options.ports?.ses ?? defaults.ses,
  };
  await mkdir(join(home, 'outbox'), { recursive: true });
  const secretPath = join(home, 'secret');
  await ensureSecret(secretPath);

  const dataDir = join(home, 'data');
  if (!options.inMemory) {
    await mkdir(dataDir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
      throw new LocalStackError(databaseProblem(dataDir, undefined, `${error.code}: not a folder`), {
        cause: error,
      });
    });
  }
  let dynamodb: DynaliteServer;
  try {
    const dynaliteOptions = {
      ...(options.inMemory ? {} : { path: dataDir }),
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
    };
    dynamodb = options.dynamodbOnCallerThread
      ? await startDynaliteHere(dynaliteOptions, wanted.dynamodb)
      : await startDynalite(dynaliteOptions, wanted.dynamodb, options.onFault ?? exitOnFault);
  } catch (error) {
    if (error instanceof LocalStackError) throw error;
    throw portProblem('DynamoDB stand-in', 'TIDINGS_DYNAMODB_PORT', wanted.dynamodb, error);
  }
  const dynamodbPort = dynamodb.port;
  let sesServer: Server;
  try {
    sesServer = await startSes(wanted.ses);
  } catch (error) {
    await dynamodb.close();
    throw portProblem('SES stand-in', 'TIDINGS_SES_PORT', wanted.ses, error);
  }
  const sesPort = (sesServer.address() as AddressInfo).port;

  const dynamodbUrl = `http://127.0.0.1:${dynamodbPort}`;
  const sesUrl = `http://127.0.0.1:${sesPort}`;
  const { destroy: destroyClients, ...clients } = localClients(dynamodbUrl, sesUrl);
  const tables = tableNames(options.config.stage);
  await ensureTables(clients.dynamo, tables);
  const sendEvents = tapSendEvents(
    sesServer,
    options.sesEvents ?? localFeedbackSink({ config: options.config, tables, ...clients }),
    (error) => process.emitWarning(`SES stand-in Send event not applied: ${(error as Error).message}`),
  );

  return {
    config: options.config,
    home,
    tables,
    ...clients,
    sesUrl,
    dynamodbUrl,
    mailer: new OutboxMailer(new SesMailer(clients.ses), join(home, 'outbox')),
    ports: { api: defaults.api, ses: sesPort, dynamodb: dynamodbPort },
    secretPath,
    owned: true,
    async close() {
      await closeServer(sesServer);
      await sendEvents.idle();
      destroyClients();
      await dynamodb.close();
    },
  };
}

export function stackFilePath(home: string): string {
  return join(home, 'stack.json');
}

export async function writeStackFile(home: string, ports: LocalPorts): Promise<void> {
  const file: StackFile = { pid: process.pid, ports, home, startedAt: new Date().toISOString() };
  await writeFile(stackFilePath(home), `${JSON.stringify(file, null, 2)}\n`);
}

export async function removeStackFile(home: string): Promise<void> {
  await rm(stackFilePath(home), { force: true });
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1500) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/**
 * A stack described by `$home/stack.json` whose stand-ins still answer, or undefined (no file,
 * a dead process, or ports that no longer answer).
 */
export async function attachLocalStack(home: string, config: TidingsConfig): Promise<LocalStack | undefined> {
  let file: StackFile;
  try {
    file = JSON.parse(await readFile(stackFilePath(home), 'utf8')) as StackFile;
  } catch {
    return undefined;
  }
  try {
    process.kill(file.pid, 0);
  } catch {
    return undefined;
  }
  const dynamodbUrl = `http://127.0.0.1:${file.ports.dynamodb}`;
  const sesUrl = `http://127.0.0.1:${file.ports.ses}`;
  if (!(await answers(`${sesUrl}/health-check`)) || !(await answers(dynamodbUrl))) return undefined;
  const { destroy: destroyClients, ...clients } = localClients(dynamodbUrl, sesUrl);
  return {
    config,
    home,
    tables: tableNames(config.stage),
    ...clients,
    sesUrl,
    dynamodbUrl,
    mailer: new OutboxMailer(new SesMailer(clients.ses), join(home, 'outbox')),
    ports: file.ports,
    secretPath: join(home, 'secret'),
    owned: false,
    async close() {
      destroyClients();
    },
  };
}
