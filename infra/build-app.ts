import type { App, Environment } from 'aws-cdk-lib';
import type { TidingsConfig } from '../lambdas/core/config.js';
import { configFromContext } from './config.js';
import { sesArns } from './constructs/ses-arns.js';
import { StageOutputs } from './constructs/stage-outputs.js';
import { deployOptionsFromContext } from './deploy-options.js';
import { ApiStack } from './stacks/api-stack.js';
import { DataStack } from './stacks/data-stack.js';
import { MonitoringStack } from './stacks/monitoring-stack.js';
import { PipelineStack } from './stacks/pipeline-stack.js';

const CROSS_STACK_REFERENCES = '@aws-cdk/core:defaultCrossStackReferences';

export interface TidingsStacks {
  config: TidingsConfig;
  data: DataStack;
  pipeline: PipelineStack;
  api: ApiStack;
  monitoring: MonitoringStack;
}

/**
 * The deployment environment: the account and region the CLI resolved from the caller's
 * credentials when there are any, else none, so `cdk synth` works offline without credentials.
 */
export function environmentFromProcess(
  env: Record<string, string | undefined> = process.env,
): Environment | undefined {
  const account = env.CDK_DEFAULT_ACCOUNT;
  const region = env.CDK_DEFAULT_REGION;
  return account && region ? { account, region } : undefined;
}

/**
 * Adds the four Tidings stacks to an app: `Tidings-<stage>-Data` (tables, token secret),
 * `-Pipeline` (ingest, compose, send, feedback, SES, schedules), `-Api` and `-Monitoring`.
 * The configuration is read from the app's context unless given.
 */
export function buildStacks(
  app: App,
  options: { config?: TidingsConfig; env?: Environment } = {},
): TidingsStacks {
  // Classic exports between the stacks: CloudFormation then refuses to delete or change what a
  // consumer still imports (the Data stack above all). Stated explicitly unless cdk.json decides.
  if (app.node.tryGetContext(CROSS_STACK_REFERENCES) === undefined) {
    app.node.setContext(CROSS_STACK_REFERENCES, 'strong');
  }
  const config = options.config ?? configFromContext(app);
  const name = (part: string): string => `Tidings-${config.stage}-${part}`;
  const common = {
    ...(options.env ? { env: options.env } : {}),
    tags: { project: 'tidings', stage: config.stage },
  };

  const deploy = deployOptionsFromContext(app, config.stage);
  const data = new DataStack(app, name('Data'), {
    ...common,
    description: 'Tidings: tables, token secret, asset bucket and the SES sending identity (stateful)',
    config,
    existingIdentity: deploy.existingIdentity,
    terminationProtection: config.stage !== 'dev',
  });
  const shared = { config, tables: data.tables, tokenSecret: data.tokenSecret };
  const pipeline = new PipelineStack(app, name('Pipeline'), {
    ...common,
    description: 'Tidings: ingest, compose, send and feedback, with SES and schedules',
    ...shared,
    ...(deploy.receiptRuleSet ? { sharedRuleSet: deploy.receiptRuleSet } : {}),
  });
  const api = new ApiStack(app, name('Api'), {
    ...common,
    description: 'Tidings: reader HTTP API',
    ...shared,
  });
  const monitoring = new MonitoringStack(app, name('Monitoring'), {
    ...common,
    description: 'Tidings: alarms and dashboard',
    config,
    functions: [pipeline.ingest, pipeline.compose, pipeline.send, pipeline.feedback, api.api],
    compose: pipeline.compose,
    sendQueue: pipeline.sendQueue,
    deadLetterQueues: {
      send: pipeline.sendDeadLetterQueue,
      scheduler: pipeline.schedulerDeadLetterQueue,
      feedback: pipeline.feedbackDeadLetterQueue,
      'failed-runs': pipeline.failedRunsQueue,
    },
    httpApi: api.httpApi,
  });
  // What the operator CLI reads of a stage, and the managed policy that lets it (`tidings --stage`).
  new StageOutputs(pipeline, 'StageOutputs', {
    config,
    tables: data.tables,
    tokenSecret: data.tokenSecret,
    sendQueue: pipeline.sendQueue,
    sendDeadLetterQueue: pipeline.sendDeadLetterQueue,
    ses: sesArns(pipeline, config),
  });
  return { config, data, pipeline, api, monitoring };
}
