import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { StageError, stageFailure } from '../../cli/stage.js';
import { STAGE_OUTPUTS } from '../../lambdas/wiring/stage-outputs.js';
import { projectSettings } from '../infra/support.js';
import { type Moto, motoSkipReason, startMoto } from '../support/moto.js';

/**
 * The ways `tidings --stage` can fail before a command runs: each one line on stderr, exit 1
 * (2 for a malformed stage name), never a stack trace.
 */

const saved = { ...process.env };
let home: string;

async function tidings(env: Record<string, string | undefined>, ...argv: string[]) {
  const err: string[] = [];
  const out: string[] = [];
  const stderr = process.stderr.write.bind(process.stderr);
  const stdout = process.stdout.write.bind(process.stdout);
  process.stderr.write = ((chunk: unknown) => {
    err.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  }) as typeof process.stderr.write;
  process.stdout.write = ((chunk: unknown) => {
    out.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  }) as typeof process.stdout.write;
  process.env = { ...saved, TIDINGS_HOME: home, TIDINGS_CONFIG_FILE: join(home, 'cdk.json'), ...env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete process.env[key];
  try {
    return { code: await main(argv), err, out };
  } finally {
    process.stderr.write = stderr;
    process.stdout.write = stdout;
    process.env = { ...saved };
  }
}

/** An environment with no AWS credentials or region anywhere the SDK looks. */
const NOTHING = {
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_REGION: undefined,
  AWS_DEFAULT_REGION: undefined,
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
  AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
  AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
};

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'tidings-stage-errors-'));
  await writeFile(join(home, 'cdk.json'), JSON.stringify({ context: { tidings: projectSettings() } }));
});
afterAll(async () => {
  process.env = saved;
  await rm(home, { recursive: true, force: true });
});

describe('tidings --stage: one-line errors', () => {
  it('exits 2 for a malformed stage name', async () => {
    const run = await tidings({}, '--stage', 'Prod!', 'status');
    expect(run.code).toBe(2);
    expect(run.err).toEqual([expect.stringMatching(/"Prod!" is not a stage name/)]);
  });

  it('names a missing region', async () => {
    const run = await tidings(
      { ...NOTHING, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x' },
      '--stage',
      'prod',
      'status',
    );
    expect(run.code).toBe(1);
    expect(run.err).toEqual([
      'tidings status: no AWS region: set AWS_REGION (or a region in your AWS profile) to the region of the stage',
    ]);
  });

  it('names missing credentials', async () => {
    const run = await tidings({ ...NOTHING, AWS_REGION: 'eu-west-1' }, '--stage', 'prod', 'status');
    expect(run.code).toBe(1);
    expect(run.err).toHaveLength(1);
    expect(run.err[0]).toMatch(/^tidings status: no AWS credentials: set AWS_PROFILE, run aws sso login/);
  });

  it('names access denied, pointing at the operator policy', () => {
    const denied = Object.assign(
      new Error('User: arn:aws:iam::1:user/x is not authorized to perform: dynamodb:Query'),
      {
        name: 'AccessDeniedException',
      },
    );
    const failure = stageFailure(denied, 'prod');
    expect(failure).toBeInstanceOf(StageError);
    expect(failure?.problem).toBe('access-denied');
    expect(failure?.message).toMatch(
      /^access denied on stage prod: .* — attach the tidings-prod-operator policy/,
    );
    expect(stageFailure(new Error('some other failure'), 'prod')).toBeUndefined();
  });
});

const skip = motoSkipReason();

describe.skipIf(Boolean(skip))(
  `tidings --stage against moto: stages that cannot be operated${skip ? `: ${skip}` : ''}`,
  () => {
    let moto: Moto;
    const aws = (): Record<string, string> => ({
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    });

    beforeAll(async () => {
      moto = await startMoto();
      const cloudformation = new CloudFormationClient({
        ...{ endpoint: moto.endpoint, region: 'eu-west-1' },
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      });
      // A stage deployed before the operator outputs existed, and one by a Tidings with another interface.
      const stack = (name: string, outputs: Record<string, string>) =>
        cloudformation.send(
          new CreateStackCommand({
            StackName: `Tidings-${name}-Pipeline`,
            TemplateBody: JSON.stringify({
              Resources: {
                Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: `tidings-${name}-send` } },
              },
              Outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { Value: v }])),
            }),
          }),
        );
      await stack('old', { SendQueueUrl: 'https://example.org/queue' });
      await stack('next', { [STAGE_OUTPUTS.interfaceVersion]: '99', [STAGE_OUTPUTS.version]: '9.0.0' });
      cloudformation.destroy();
    }, 60_000);
    afterEach(() => {
      process.env = { ...saved };
    });
    afterAll(async () => {
      await moto?.stop();
    });

    it('names a stage that does not exist in the region', async () => {
      const run = await tidings(aws(), '--stage', 'nope', 'status');
      expect(run.code).toBe(1);
      expect(run.err).toEqual([
        'tidings status: no stage "nope" in eu-west-1: the stack Tidings-nope-Pipeline does not exist (deploy it with npx cdk deploy, or check AWS_REGION)',
      ]);
    });

    it('names a stage deployed by another version of Tidings', async () => {
      const old = await tidings(aws(), '--stage', 'old', 'subscribers', 'list');
      expect(old.code).toBe(1);
      expect(old.err).toEqual([
        expect.stringMatching(
          /^tidings subscribers: stage "old" was deployed by a Tidings version without operator outputs; deploy this version/,
        ),
      ]);
      const next = await tidings({ ...aws(), TIDINGS_STAGE: 'next' }, 'status');
      expect(next.code).toBe(1);
      expect(next.err).toEqual([
        expect.stringMatching(
          /^tidings status: stage "next" was deployed by Tidings 9\.0\.0 \(stage interface 99\)/,
        ),
      ]);
    });
  },
);
