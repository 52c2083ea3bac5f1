import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SESClient } from '@aws-sdk/client-ses';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { AwsAccountProbe, FetchSourceProbe, LazyReaderProbe } from '../../lambdas/adapters/doctor-probe.js';
import { DynamoSubscriberStore } from '../../lambdas/adapters/dynamo-subscriber-store.js';
import { parseConfig, type TidingsConfig } from '../../lambdas/core/config.js';
import { countOf } from '../../lambdas/core/digest.js';
import {
  type CheckResult,
  checkLocal,
  checkStage,
  doctorExitCode,
  formatCheck,
} from '../../lambdas/core/doctor.js';
import { devDefaultIn, settingsForStage } from '../../lambdas/core/stage-settings.js';
import { parseCommand } from '../args.js';
import { COMMAND_SPECS } from '../command-specs.js';
import type { CliContext } from '../context.js';
import { resolveStage, StageError } from '../stage.js';

/** Where Debian and most Linux distributions put Chromium. */
const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The stage's settings: cdk.json's base with `tidingsStages.<stage>` merged in, as the CDK app reads them. */
async function stageConfig(stage: string, env: NodeJS.ProcessEnv): Promise<TidingsConfig> {
  const path = env.TIDINGS_CONFIG_FILE || join(process.cwd(), 'cdk.json');
  const context = (JSON.parse(await readFile(path, 'utf8')) as { context?: Record<string, unknown> }).context;
  return parseConfig(settingsForStage(context?.tidings, context?.tidingsStages, stage), 'context.tidings');
}

async function checkDeployedStage(stage: string, env: NodeJS.ProcessEnv): Promise<CheckResult[]> {
  const config = await stageConfig(stage, env);
  const unfit = devDefaultIn(config, 'context.tidings');
  const configuration: CheckResult = unfit
    ? {
        status: 'fail',
        check: 'configuration',
        detail: unfit.message.replace(/^invalid configuration at /, ''),
        action: `set it under tidingsStages.${stage} in cdk.json`,
      }
    : {
        status: 'ok',
        check: 'configuration',
        detail: `stage ${stage}, ${countOf(config.sources.length, 'source')}`,
      };
  let resolved: Awaited<ReturnType<typeof resolveStage>>;
  try {
    resolved = await resolveStage(stage, env);
  } catch (error) {
    if (!(error instanceof StageError)) throw error;
    const [detail = error.message, action = 'see docs/deploying.md'] = error.message.split(' — ');
    return [configuration, { status: 'fail', check: 'credentials', detail, action }];
  }
  const region = resolved.region;
  const clients = {
    sesv2: new SESv2Client({ region }),
    ses: new SESClient({ region }),
    sns: new SNSClient({ region }),
  };
  try {
    return [
      configuration,
      ...(await checkStage({
        config,
        reached: `region ${region}, stage ${stage} deployed by Tidings ${resolved.deployedVersion}`,
        receiptRuleSet: resolved.outputs.ReceiptRuleSetName ?? `tidings-${stage}-inbound`,
        account: new AwsAccountProbe(clients),
        sources: new FetchSourceProbe({ root: process.cwd(), timeoutMs: config.ingest.timeoutMs }),
        readers: new DynamoSubscriberStore(resolved.clients.doc, resolved.resources.tables.subscribers),
      })),
    ];
  } finally {
    resolved.close();
    for (const client of Object.values(clients)) client.destroy();
  }
}

/**
 * `tidings doctor [--stage S]`: one line per check (`ok`, `warn … — what to do`, `fail … — what to
 * do`); exit 0 when no check fails, 1 otherwise. Without a stage it checks the local setup.
 */
export default async function doctor(args: string[], ctx: CliContext): Promise<number> {
  parseCommand(COMMAND_SPECS.doctor, args);
  const results =
    ctx.stage === undefined
      ? await checkLocal({
          config: ctx.config,
          nodeVersion: process.versions.node,
          chromium: CHROMIUM_PATHS.find((path) => existsSync(path)),
          sources: new FetchSourceProbe({ root: process.cwd(), timeoutMs: ctx.config.ingest.timeoutMs }),
          readers: new LazyReaderProbe(async () => {
            const stack = await ctx.stack();
            return new DynamoSubscriberStore(stack.doc, stack.tables.subscribers);
          }),
        })
      : await checkDeployedStage(ctx.stage, process.env);
  for (const result of results) ctx.out(formatCheck(result));
  return doctorExitCode(results);
}
