import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { STAGE_OUTPUTS } from '../../lambdas/wiring/stage-outputs.js';

/**
 * moto's AWS emulator (`moto_server`, a Python package) for the stage tests: found, started on a
 * free loopback port, stopped. Missing moto fails under CI and skips elsewhere, saying what to install.
 */

export const MOTO_INSTALL = "pip install 'moto[server]>=5.2'";

/** Why moto cannot be used here, or undefined when it can. */
export function motoMissing(): string | undefined {
  try {
    execFileSync('python3', ['-c', 'import moto'], { stdio: 'ignore' });
    execFileSync('python3', ['-c', 'import flask, flask_cors'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return `moto's server is not installed (${MOTO_INSTALL})`;
  }
}

/** Skip reason for the stage tests: none under CI, where a missing moto must fail the run. */
export function motoSkipReason(): string | undefined {
  if (process.env.CI === 'true') return undefined;
  return motoMissing();
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface Moto {
  endpoint: string;
  stop(): Promise<void>;
}

/** Starts `moto_server` on a free loopback port and waits until it answers. */
export async function startMoto(): Promise<Moto> {
  const missing = motoMissing();
  if (missing) throw new Error(missing);
  const port = await freePort();
  const child: ChildProcess = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill();
        throw new Error(`moto_server did not start on ${endpoint}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    endpoint,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

type Json = Record<string, unknown>;

/** The resource types a stage's operator commands touch: what the emulated stage is made of. */
const KEPT_TYPES = new Set(['AWS::DynamoDB::Table', 'AWS::SQS::Queue']);
const SECRET = 'AWS::SecretsManager::Secret';

/** The secrets the Data stack declares (logical id and name): moto's CloudFormation makes none. */
export function stageSecrets(data: Stack): { logicalId: string; name: string }[] {
  const json = Template.fromStack(data).toJSON() as { Resources: Json };
  return Object.entries(json.Resources)
    .filter(([, r]) => (r as { Type: string }).Type === SECRET)
    .map(([logicalId, r]) => ({
      logicalId,
      name: String((r as { Properties?: Json }).Properties?.Name ?? logicalId),
    }));
}

/**
 * A CloudFormation template for the emulator, derived from the synthesized Data and Pipeline
 * stacks: their tables and queues exactly as declared (names, keys, indexes, redrive), and the
 * Pipeline stack's outputs the CLI reads, with the Data stack's exports resolved in place.
 * Functions, schedules, SES and alarms are left out: moto runs none of them, and the tests call
 * the handlers in-process. moto's CloudFormation makes no Secrets Manager secrets, so the test
 * creates them under the declared names ({@link stageSecrets}) and passes their ARNs here.
 */
export function emulatedStageTemplate(
  data: Stack,
  pipeline: Stack,
  secretArns: Record<string, string>,
): Json {
  const dataJson = Template.fromStack(data).toJSON() as { Resources: Json; Outputs?: Json };
  const pipelineJson = Template.fromStack(pipeline).toJSON() as { Resources: Json; Outputs?: Json };
  const resources: Json = {};
  for (const source of [dataJson.Resources, pipelineJson.Resources]) {
    for (const [id, resource] of Object.entries(source)) {
      const { Type, Properties } = resource as { Type: string; Properties?: Json };
      if (KEPT_TYPES.has(Type)) resources[id] = { Type, Properties: structuredClone(Properties ?? {}) };
    }
  }
  const exports = new Map<string, unknown>();
  for (const output of Object.values(dataJson.Outputs ?? {})) {
    const { Export, Value } = output as { Export?: { Name?: string }; Value: unknown };
    if (Export?.Name) exports.set(Export.Name, Value);
  }
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value && typeof value === 'object') {
      const ref = (value as Json).Ref;
      if (typeof ref === 'string' && ref in secretArns) return secretArns[ref];
      const imported = (value as Json)['Fn::ImportValue'];
      if (typeof imported === 'string') {
        if (!exports.has(imported)) throw new Error(`no export ${imported} in the Data stack`);
        return resolve(exports.get(imported));
      }
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
    }
    return value;
  };
  const wanted = new Set<string>([
    ...Object.values(STAGE_OUTPUTS.tables),
    STAGE_OUTPUTS.sendQueueUrl,
    STAGE_OUTPUTS.sendDeadLetterQueueUrl,
    STAGE_OUTPUTS.tokenSecretArn,
    STAGE_OUTPUTS.configurationSetName,
    STAGE_OUTPUTS.interfaceVersion,
    STAGE_OUTPUTS.version,
  ]);
  const outputs: Json = {};
  for (const [key, output] of Object.entries(pipelineJson.Outputs ?? {})) {
    if (!wanted.has(key)) continue;
    outputs[key] = { Value: resolve((output as Json).Value) };
  }
  for (const key of wanted) if (!(key in outputs)) throw new Error(`the Pipeline stack has no output ${key}`);
  return { AWSTemplateFormatVersion: '2010-09-09', Resources: resources, Outputs: outputs };
}
