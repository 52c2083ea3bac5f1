import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { configFromEnv, requiredEnv } from '../adapters/lambda-environment.js';
import { TABLES, type TableId, type TableNames } from '../adapters/tables.js';
import { type DigestRendererPort, type Wiring, wire } from './wiring.js';

/** The environment variable of the send queue's URL (set by the stack's queue grant). */
export const SEND_QUEUE_URL_VAR = 'SEND_QUEUE_URL';
/** The environment variable of the token secret's ARN (set by the stack's secret grant). */
export const TOKEN_SECRET_ARN_VAR = 'TOKEN_SECRET_ARN';

/** What a function uses; each is checked at cold start, so a missing grant fails by name. */
export interface LambdaNeeds {
  tables: readonly TableId[];
  queue?: boolean;
  secret?: boolean;
  /** The digest renderer, for the functions that compose (the compiled template is in their code). */
  renderer?: () => Promise<DigestRendererPort>;
}

/**
 * The Lambda target: the validated configuration from `TIDINGS_CONFIG`, the names the stack
 * granted (a function sees only the tables, queue and secret it may use) and SDK clients from the
 * function's role. Called once per cold start; a name the function needs but was not given fails
 * here, by its variable's name.
 */
export function lambdaWiring(needs: LambdaNeeds, env: NodeJS.ProcessEnv = process.env): Wiring {
  const config = configFromEnv(env);
  const tables = Object.fromEntries(
    (Object.keys(TABLES) as TableId[]).map((id) => [
      id,
      needs.tables.includes(id) ? requiredEnv(TABLES[id].envVar, env) : `not-granted-${TABLES[id].envVar}`,
    ]),
  ) as unknown as TableNames;
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const queueUrl = needs.queue ? requiredEnv(SEND_QUEUE_URL_VAR, env) : undefined;
  const secretArn = needs.secret ? requiredEnv(TOKEN_SECRET_ARN_VAR, env) : 'not-granted';
  return wire({
    config,
    resources: {
      tables,
      ...(queueUrl ? { sendQueueUrl: queueUrl } : {}),
      tokenSecret: { arn: secretArn },
    },
    clients: {
      // The per-message requests (send checks, ledger, SES) resolve their middleware once per
      // command rather than on every call; the document client refuses that option.
      dynamo: new DynamoDBClient({ cacheMiddleware: true }),
      doc,
      ses: new SESClient({ cacheMiddleware: true }),
      sqs: new SQSClient({}),
      secrets: new SecretsManagerClient({}),
    },
    ...(needs.renderer ? { renderer: needs.renderer } : {}),
    // Configured local paths are resolved from the task root, where the bundle is.
    sourceRoot: process.cwd(),
  });
}
