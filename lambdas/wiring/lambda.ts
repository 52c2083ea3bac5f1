import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { configFromEnv, requiredEnv } from '../adapters/lambda-environment.js';
import { TABLES, type TableId, type TableNames } from '../adapters/tables.js';
import type { TidingsConfig } from '../core/config.js';
import { type Clock, systemClock } from '../core/ports.js';
import type { StoreParts } from './stores/parts.js';
import type { TargetClients } from './target.js';

/** The environment variable of the send queue's URL (set by the stack's queue grant). */
export const SEND_QUEUE_URL_VAR = 'SEND_QUEUE_URL';
/** The environment variable of the token secret's ARN (set by the stack's secret grant). */
export const TOKEN_SECRET_ARN_VAR = 'TOKEN_SECRET_ARN';

/** What a function uses; each is checked at cold start, so a missing grant fails by name. */
export interface LambdaNeeds {
  tables: readonly TableId[];
  queue?: boolean;
  secret?: boolean;
}

/**
 * What every function shares: the configuration, the names the stack granted and the DynamoDB
 * clients. The stores (`stores.ts`) and the rest (SES, SQS, the keyring, feed parsers, MIME) each
 * handler adds from its own wiring module (`lambda-mailer.ts`, `lambda-keyring.ts`, `send.ts`,
 * `ingest.ts`), so a function's bundle carries only the adapters it calls.
 */
export interface LambdaTarget {
  config: TidingsConfig;
  clock: Clock;
  tables: TableNames;
  /** Set when the function needs the queue. */
  sendQueueUrl?: string;
  /** Set when the function needs the keyring. */
  tokenSecretArn?: string;
  clients: Pick<TargetClients, 'dynamo' | 'doc'>;
  /** What the store factories of `stores.ts` take: each handler builds only the stores it uses. */
  storeParts: StoreParts;
}

/**
 * The Lambda target: the validated configuration from the bundle, the names the stack granted (a
 * function sees only the tables, queue and secret it may use) and SDK clients from the function's
 * role. Called once per cold start; a name the function needs but was not given fails here, by its
 * variable's name.
 */
export function lambdaTarget(needs: LambdaNeeds, env: NodeJS.ProcessEnv = process.env): LambdaTarget {
  // The bundle's configuration was validated when the function was built (see configFromEnv).
  const config = configFromEnv(env, { trustBundled: true });
  const tables = Object.fromEntries(
    (Object.keys(TABLES) as TableId[]).map((id) => [
      id,
      needs.tables.includes(id) ? requiredEnv(TABLES[id].envVar, env) : `not-granted-${TABLES[id].envVar}`,
    ]),
  ) as unknown as TableNames;
  const clients = {
    // The per-message requests (send checks, ledger) resolve their middleware once per command
    // rather than on every call; the document client refuses that option.
    dynamo: new DynamoDBClient({ cacheMiddleware: true }),
    doc: DynamoDBDocumentClient.from(new DynamoDBClient({}), {
      marshallOptions: { removeUndefinedValues: true },
    }),
  };
  const clock = systemClock;
  return {
    config,
    clock,
    tables,
    ...(needs.queue ? { sendQueueUrl: requiredEnv(SEND_QUEUE_URL_VAR, env) } : {}),
    ...(needs.secret ? { tokenSecretArn: requiredEnv(TOKEN_SECRET_ARN_VAR, env) } : {}),
    clients,
    storeParts: { clients, tables, now: () => clock.now() },
  };
}
