import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  ApplicationLogLevel,
  Architecture,
  type IFunction,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TABLES, type TableId } from '../../lambdas/adapters/tables.js';
import type { TidingsConfig } from '../../lambdas/core/config.js';
import { functionBundling, writeBundledConfig } from './function-bundling.js';
import { FunctionRole } from './function-role.js';
import { type SesArns, sendRawEmailStatement } from './ses-arns.js';

/** The repository root: entries, the lockfile and `templates/` are found from here. */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The five Lambda functions of Tidings; each has its entry at `lambdas/handlers/<name>.ts`. */
export const FUNCTION_NAMES = ['ingest', 'compose', 'send', 'feedback', 'api'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** Where a function's handler lives. */
export function handlerEntry(name: FunctionName): string {
  return join(PROJECT_ROOT, 'lambdas', 'handlers', `${name}.ts`);
}

/** Stand-in entry used only while bundling is skipped for the stack (see {@link TidingsFunction}). */
const UNBUNDLED_ENTRY = join(PROJECT_ROOT, 'infra', 'constructs', 'unbundled-entry.ts');

/** Folder the templates are copied to inside a bundle; Lambda runs with this as its task root. */
export const LAMBDA_TEMPLATES_DIR = '/var/task/templates';

/** Why a function may send through `identity/*` (cdk-nag IAM5), recorded with the acknowledgement. */
export const SEND_ANY_IDENTITY_REASON =
  "In the SES sandbox a send is also authorised against each recipient's verified identity, so ses:SendRawEmail names identity/*; the ses:FromAddress condition limits the From address to the configured sender, and the configuration set is named.";

/** Database actions by access level; kept explicit so a grant never carries more than it names. */
const TABLE_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
];
const TABLE_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

/** What a grant needs of a table, secret or queue (structural, so concrete and imported ones both fit). */
export interface TableRef {
  tableArn: string;
  tableName: string;
}
export interface SecretRef {
  secretArn: string;
}
export interface QueueRef {
  queueArn: string;
  queueUrl: string;
}

export interface TidingsFunctionProps {
  name: FunctionName;
  config: TidingsConfig;
  description: string;
  /** @default 30 seconds */
  timeout?: Duration;
  /** @default 512 MB */
  memorySize?: number;
  /** Copy `templates/` into the bundle and point `TEMPLATES_DIR` at it (the api only: its pages are read at run time). */
  templates?: boolean;
  /** Extra environment; table names, the secret ARN and queue URLs come from the grant helpers. */
  environment?: Record<string, string>;
  /** Where asynchronous invocations that failed every retry are kept (functions invoked by SNS or SES). */
  deadLetterQueue?: IQueue;
}

/**
 * One Lambda function of Tidings with the house defaults: Node.js 22 on ARM64, ESM bundle built by
 * the local esbuild (minified, with source maps), a log group with retention, X-Ray tracing,
 * Powertools settings and the validated configuration in its bundle (`tidings-config.json`).
 *
 * Permissions are added only through the `grant…` helpers, each of which also hands the function
 * the name or address of what it was granted, so an environment variable exists exactly when the
 * permission does.
 */
export class TidingsFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: FunctionRole;
  readonly logGroup: LogGroup;
  readonly name: FunctionName;
  /** Physical function name, `tidings-<stage>-<name>`; also names its log group. */
  readonly functionName: string;
  /**
   * `POWERTOOLS_SERVICE_NAME`: the bare function name (`compose`), which is also what the handlers
   * give Powertools, so the `service` dimension of custom metrics is the same either way.
   */
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: TidingsFunctionProps) {
    super(scope, id);
    const { config, name } = props;
    this.name = name;
    this.functionName = `tidings-${config.stage}-${name}`;
    this.serviceName = name;
    const stack = Stack.of(this);
    const debug = config.stage === 'dev';

    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${this.functionName}`,
      retention: config.stage === 'dev' ? RetentionDays.ONE_WEEK : RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.role = new FunctionRole(this, 'Role', {
      purpose: `Runs the Tidings ${name} function (${config.stage})`,
      logGroup: this.logGroup,
    });

    const wanted = handlerEntry(name);
    // NodejsFunction insists the entry exists even when the CLI skips bundling for this stack (as
    // it does for stacks not being deployed). Then no code is read, so a stand-in keeps `cdk synth`
    // of the other stacks working; a stack that is bundled always uses (and requires) the real entry.
    const entry = existsSync(wanted) || stack.bundlingRequired ? wanted : UNBUNDLED_ENTRY;

    this.function = new NodejsFunction(this, 'Function', {
      functionName: this.functionName,
      description: props.description,
      entry,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      // Lambda filters JSON logs below this level, so it matches LOG_LEVEL (read by Powertools).
      applicationLogLevelV2: debug ? ApplicationLogLevel.DEBUG : ApplicationLogLevel.INFO,
      systemLogLevelV2: SystemLogLevel.WARN,
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      environment: {
        POWERTOOLS_SERVICE_NAME: this.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: 'Tidings',
        LOG_LEVEL: debug ? 'DEBUG' : 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...(props.templates ? { TEMPLATES_DIR: LAMBDA_TEMPLATES_DIR } : {}),
        ...props.environment,
      },
      bundling: functionBundling({
        templates: props.templates ?? false,
        configFile: writeBundledConfig(this, config),
      }),
    });

    this.role.acknowledgeTracing();
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to Node.js 22 (LTS), the runtime the bundles are built and tested for; moving to a newer runtime is a deliberate, tested upgrade.',
    });
  }

  /** The function as an `IFunction`, for event sources, integrations and alarms. */
  get fn(): IFunction {
    return this.function;
  }

  /** Allows reads of one table and the named indexes (default: all of its indexes); sets its name variable. */
  grantTableRead(table: TableRef, id: TableId, indexes?: readonly string[]): void {
    this.grantTable(table, id, false, indexes);
  }

  /** Allows reads and writes of one table and its named indexes (default: all); sets its name variable. */
  grantTableReadWrite(table: TableRef, id: TableId, indexes?: readonly string[]): void {
    this.grantTable(table, id, true, indexes);
  }

  /** Allows reading the token secret; hands over its ARN (never its value) in `TOKEN_SECRET_ARN`. */
  grantTokenSecretRead(secret: SecretRef): void {
    this.role.addToPolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
    );
    this.function.addEnvironment('TOKEN_SECRET_ARN', secret.secretArn);
  }

  /**
   * Allows sending raw mail through the stage's configuration set from the configured sender
   * address, in the SES sandbox (recipients' identities) and in production alike.
   */
  grantSendRawEmail(ses: SesArns, fromAddress: string): void {
    this.role.addToPolicy(sendRawEmailStatement(ses, fromAddress));
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]',
      reason: SEND_ANY_IDENTITY_REASON,
    });
  }

  /** Allows sending messages to a queue; hands over its URL in `envVar`. */
  grantQueueSend(queue: QueueRef, envVar: string): void {
    this.role.addToPolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
    this.function.addEnvironment(envVar, queue.queueUrl);
  }

  private grantTable(table: TableRef, id: TableId, write: boolean, indexes?: readonly string[]): void {
    const definition = TABLES[id];
    const indexNames = indexes ?? definition.indexes.map((index) => index.name);
    for (const index of indexNames) {
      if (!definition.indexes.some((candidate) => candidate.name === index)) {
        throw new Error(`table ${id} has no index named ${index}`);
      }
    }
    this.role.addToPolicy(
      new PolicyStatement({
        actions: TABLE_READ_ACTIONS,
        // Index ARNs are listed one by one rather than as "index/*".
        resources: [table.tableArn, ...indexNames.map((index) => `${table.tableArn}/index/${index}`)],
      }),
    );
    if (write) {
      this.role.addToPolicy(
        new PolicyStatement({ actions: TABLE_WRITE_ACTIONS, resources: [table.tableArn] }),
      );
    }
    this.function.addEnvironment(definition.envVar, table.tableName);
  }
}
