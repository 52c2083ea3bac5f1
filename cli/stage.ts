import { CloudFormationClient, DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableId, TableNames } from '../lambdas/adapters/tables.js';
import { type ErrorKind, TidingsError } from '../lambdas/core/errors.js';
import { STAGE_NAME_PATTERN, STAGE_NAME_RULE } from '../lambdas/core/stage-name.js';
import {
  OPERATOR_STACK_PART,
  STAGE_INTERFACE_VERSION,
  STAGE_OUTPUTS,
  stageStackName,
} from '../lambdas/wiring/stage-outputs.js';
import type { TargetClients, TargetResources } from '../lambdas/wiring/wiring.js';

/**
 * Stage resolution for `tidings --stage <stage>` (and `TIDINGS_STAGE`): the caller's AWS
 * credentials and region, the stage's resource names from its CloudFormation outputs (never
 * typed by hand), and SDK clients for them. Every way this can fail is one {@link StageError}
 * with one line that says what to do; no SDK error reaches the operator raw.
 */

/** Why a stage cannot be operated; `reason` names the case (docs/operating.md explains each). */
export type StageProblem =
  | 'malformed-stage'
  | 'no-region'
  | 'no-credentials'
  | 'no-such-stage'
  | 'other-version'
  | 'access-denied'
  | 'unreachable';

const KIND: Record<StageProblem, ErrorKind> = {
  'malformed-stage': 'invalid-input',
  'no-region': 'unavailable',
  'no-credentials': 'forbidden',
  'no-such-stage': 'not-found',
  'other-version': 'conflict',
  'access-denied': 'forbidden',
  unreachable: 'unavailable',
};

/** A stage that cannot be operated: one line, exit 1 (2 for a malformed stage name). */
export class StageError extends TidingsError {
  override readonly name = 'StageError';
  readonly kind: ErrorKind;
  constructor(
    readonly problem: StageProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.kind = KIND[problem];
  }
}

/** What `resolveStage` found: the stage's names and clients to reach them. */
export interface ResolvedStage {
  stage: string;
  region: string;
  /** The operator stack the names were read from. */
  stackName: string;
  /** Every output of that stack. */
  outputs: Readonly<Record<string, string>>;
  resources: TargetResources & { sendQueueUrl: string };
  clients: TargetClients & { sqs: SQSClient; secrets: SecretsManagerClient };
  /** The Tidings version that deployed the stage. */
  deployedVersion: string;
  /** Closes the clients' connections. */
  close(): void;
}

export interface ResolveOptions {
  /** Called with every client made here (tests record the requests the stage wiring sends). */
  onClient?: (client: { middlewareStack: unknown }) => void;
}

type ClientHook = (client: { middlewareStack: unknown }) => void;
let watcher: ClientHook | undefined;

/**
 * Hands every SDK client a stage resolution makes to `hook` (or stops, given undefined): the
 * stage tests record each request the CLI sends, to check the operator policy allows it.
 */
export function watchStageClients(hook: ClientHook | undefined): void {
  watcher = hook;
}

/** The stage a command operates: `--stage`, else `TIDINGS_STAGE`, else none (the local stack). */
export function stageFrom(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const value = flag ?? env.TIDINGS_STAGE;
  return value === undefined || value === '' ? undefined : value;
}

/** Throws the `malformed-stage` error unless `stage` can be a stage name. */
export function checkStageName(stage: string): void {
  if (!STAGE_NAME_PATTERN.test(stage)) {
    throw new StageError(
      'malformed-stage',
      `"${stage.slice(0, 40)}" is not a stage name: ${STAGE_NAME_RULE}`,
    );
  }
}

const errorName = (error: unknown): string =>
  (error as { name?: string; Code?: string })?.name ?? (error as { Code?: string })?.Code ?? '';

function isAccessDenied(error: unknown): boolean {
  const name = errorName(error);
  return /AccessDenied|UnauthorizedOperation|NotAuthorized|Forbidden/i.test(name);
}

function isBadCredentials(error: unknown): boolean {
  return /InvalidClientTokenId|UnrecognizedClient|SignatureDoesNotMatch|ExpiredToken|InvalidAccessKeyId/i.test(
    errorName(error),
  );
}

/**
 * An SDK failure during a command on a stage, as a one-line {@link StageError} when it is one of
 * the named cases (access denied, bad or expired credentials, the service unreachable); otherwise
 * undefined and the caller reports it as it would locally.
 */
export function stageFailure(error: unknown, stage: string): StageError | undefined {
  if (error instanceof StageError) return error;
  if (isAccessDenied(error)) {
    const first = String((error as Error).message ?? '')
      .split('\n')[0]
      ?.slice(0, 300);
    return new StageError(
      'access-denied',
      `access denied on stage ${stage}: ${first} — attach the tidings-${stage}-operator policy (its ARN is the stack output ${STAGE_OUTPUTS.operatorPolicyArn})`,
      { cause: error },
    );
  }
  if (isBadCredentials(error)) {
    return new StageError(
      'no-credentials',
      `AWS refused the credentials (${errorName(error)}): sign in again (aws sso login, or fresh keys)`,
      { cause: error },
    );
  }
  const code = (error as { code?: string })?.code ?? '';
  if (
    /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET/.test(code) ||
    errorName(error) === 'TimeoutError'
  ) {
    return new StageError(
      'unreachable',
      `cannot reach AWS for stage ${stage} (${code || errorName(error)})`,
      {
        cause: error,
      },
    );
  }
  return undefined;
}

/**
 * Resolves a deployed stage: validates its name, finds the caller's region and credentials,
 * reads the operator stack's outputs (`Tidings-<stage>-Pipeline`), checks the stage was deployed
 * by a compatible Tidings, and returns the stage's resource names with SDK clients for them.
 * Exported for `doctor`, which checks the same things one by one.
 */
export async function resolveStage(
  stage: string,
  env: NodeJS.ProcessEnv = process.env,
  options: ResolveOptions = {},
): Promise<ResolvedStage> {
  checkStageName(stage);
  const onClient = options.onClient ?? watcher;
  // The SDK's own chain finds the region and credentials (profile, SSO, environment, role);
  // a region given in `env` is taken first.
  const givenRegion = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  const cloudformation = new CloudFormationClient(givenRegion ? { region: givenRegion } : {});
  onClient?.(cloudformation);
  let region: string;
  try {
    region = await cloudformation.config.region();
  } catch (error) {
    cloudformation.destroy();
    throw new StageError(
      'no-region',
      'no AWS region: set AWS_REGION (or a region in your AWS profile) to the region of the stage',
      { cause: error },
    );
  }
  if (!region) {
    cloudformation.destroy();
    throw new StageError('no-region', 'no AWS region: set AWS_REGION (or a region in your AWS profile)');
  }
  try {
    await cloudformation.config.credentials();
  } catch (error) {
    cloudformation.destroy();
    throw new StageError(
      'no-credentials',
      'no AWS credentials: set AWS_PROFILE, run aws sso login, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
      { cause: error },
    );
  }
  const stackName = stageStackName(stage, OPERATOR_STACK_PART);
  let outputs: Record<string, string>;
  try {
    const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = Object.fromEntries(
      (Stacks?.[0]?.Outputs ?? [])
        .filter((o: Output): o is Output & { OutputKey: string; OutputValue: string } =>
          Boolean(o.OutputKey && o.OutputValue !== undefined),
        )
        .map((o) => [o.OutputKey, o.OutputValue]),
    );
  } catch (error) {
    if (/does not exist/.test(String((error as Error).message))) {
      throw new StageError(
        'no-such-stage',
        `no stage "${stage}" in ${region}: the stack ${stackName} does not exist (deploy it with npx cdk deploy, or check AWS_REGION)`,
        { cause: error },
      );
    }
    throw stageFailure(error, stage) ?? error;
  } finally {
    cloudformation.destroy();
  }

  const deployedVersion = outputs[STAGE_OUTPUTS.version] ?? 'unknown';
  const deployedInterface = outputs[STAGE_OUTPUTS.interfaceVersion];
  if (deployedInterface !== STAGE_INTERFACE_VERSION) {
    throw new StageError(
      'other-version',
      deployedInterface === undefined
        ? `stage "${stage}" was deployed by a Tidings version without operator outputs; deploy this version (npx cdk deploy) to operate it`
        : `stage "${stage}" was deployed by Tidings ${deployedVersion} (stage interface ${deployedInterface}); this CLI needs interface ${STAGE_INTERFACE_VERSION}: deploy this version, or use the CLI of ${deployedVersion}`,
    );
  }
  const need = (key: string): string => {
    const value = outputs[key];
    if (!value) {
      throw new StageError(
        'other-version',
        `stage "${stage}" has no output ${key} in ${stackName} (it has ${Object.keys(outputs).sort().join(', ') || 'none'}); deploy this version of Tidings (npx cdk deploy)`,
      );
    }
    return value;
  };
  const tables = Object.fromEntries(
    (Object.entries(STAGE_OUTPUTS.tables) as [TableId, string][]).map(([id, key]) => [id, need(key)]),
  ) as unknown as TableNames;
  const resources = {
    tables,
    sendQueueUrl: need(STAGE_OUTPUTS.sendQueueUrl),
    tokenSecret: { arn: need(STAGE_OUTPUTS.tokenSecretArn) },
  };

  const common = { region };
  const dynamo = new DynamoDBClient({ ...common, cacheMiddleware: true });
  const documentBase = new DynamoDBClient(common);
  const doc = DynamoDBDocumentClient.from(documentBase, { marshallOptions: { removeUndefinedValues: true } });
  const ses = new SESClient(common);
  // The queue URL names the queue; the endpoint comes from the region (or AWS_ENDPOINT_URL_SQS),
  // as SQS emulators need and AWS accepts.
  const sqs = new SQSClient({ ...common, useQueueUrlAsEndpoint: false });
  const secrets = new SecretsManagerClient(common);
  for (const client of [dynamo, documentBase, ses, sqs, secrets]) onClient?.(client);
  return {
    stage,
    region,
    stackName,
    outputs,
    resources,
    clients: { dynamo, doc, ses, sqs, secrets },
    deployedVersion,
    close() {
      for (const client of [dynamo, documentBase, ses, sqs, secrets]) client.destroy();
    },
  };
}
