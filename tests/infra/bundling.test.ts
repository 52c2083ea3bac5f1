import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStacks } from '../../infra/build-app.js';
import { FUNCTION_NAMES, handlerEntry, PROJECT_ROOT } from '../../infra/constructs/tidings-function.js';
import { type BundleSize, bundleSizes } from '../../infra/synth-report.js';
import { BUNDLED_CONFIG_FILE } from '../../lambdas/adapters/lambda-environment.js';
import { type SecretsStandIn, startSecretsStandIn } from '../support/secrets-stand-in.js';
import { projectSettings } from './support.js';

/** Source files of a bundle, from its source map (minified code keeps no module names). */
function bundledSources(outdir: string, bundle: BundleSize): string[] {
  const map = JSON.parse(readFileSync(join(outdir, bundle.assetPath, 'index.mjs.map'), 'utf8')) as {
    sources: string[];
  };
  return map.sources;
}

const carriesMjml = (sources: string[]): boolean =>
  sources.some((source) => /node_modules\/mjml-core\//.test(source));

interface FunctionResource {
  Type: string;
  Properties: { FunctionName: string; Environment: { Variables: Record<string, unknown> } };
  Metadata?: Record<string, unknown>;
}

/** Imports a bundle in a fresh Node process, as a cold start does; resolves with its exit code and output. */
function coldStart(dir: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  const script = `await import(${JSON.stringify(pathToFileURL(join(dir, 'index.mjs')).href)}).then((m) => {
    if (typeof m.handler !== 'function') throw new Error('no handler export');
  });
  // Give work started at module scope (keyrings, templates) time to fail before declaring success.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  console.log('cold start complete');`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--enable-source-maps', '--input-type=module', '-e', script],
      { cwd: dir, env, timeout: 30_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
      },
    );
  });
}

describe('function bundles', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'tidings-bundles-'));
  let secrets: SecretsStandIn;
  beforeAll(async () => {
    secrets = await startSecretsStandIn();
  });
  afterAll(() => {
    secrets.close();
    rmSync(outdir, { recursive: true, force: true });
  });

  it('are built for all five functions with the local esbuild; none carries MJML', () => {
    const missing = FUNCTION_NAMES.filter((name) => !existsSync(handlerEntry(name))).map(handlerEntry);
    expect(missing, `handler entries not written yet: ${missing.join(', ')}`).toEqual([]);

    // Bundling is on (no `aws:cdk:bundling-stacks` override), as for `cdk synth` and `cdk deploy`.
    const app = new App({
      outdir,
      context: { tidings: projectSettings(), 'aws:cdk:enable-asset-metadata': true },
    });
    const { config } = buildStacks(app, { env: { account: '123456789012', region: 'eu-west-1' } });
    app.synth();
    // The synth ran CDK's built-in CloudFormation schema validation over every template.
    const validation = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; violations: unknown[] }[];
    };
    expect(validation.pluginReports.flatMap((report) => report.violations)).toEqual([]);

    const bundles = bundleSizes(outdir);
    expect(bundles.map((bundle) => bundle.functionName).sort()).toEqual(
      FUNCTION_NAMES.map((name) => `tidings-dev-${name}`).sort(),
    );
    for (const bundle of bundles) {
      const name = bundle.functionName.replace('tidings-dev-', '');
      const sources = bundledSources(outdir, bundle);
      expect(sources.some((source) => source.includes(`lambdas/handlers/${name}.ts`))).toBe(true);
      expect(carriesMjml(sources), `${name} bundle and MJML`).toBe(false);
      const code = readFileSync(join(outdir, bundle.assetPath, 'index.mjs'), 'utf8');
      expect(code, `${name} is an ES module exporting handler`).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
      const shipped = JSON.parse(readFileSync(join(outdir, bundle.assetPath, BUNDLED_CONFIG_FILE), 'utf8'));
      expect(shipped, `${name} bundle carries the validated configuration`).toEqual(
        JSON.parse(JSON.stringify(config)),
      );
      const templates = existsSync(join(outdir, bundle.assetPath, 'templates'));
      expect(templates, `${name} bundle and templates`).toBe(name === 'api');
    }

    // Recorded for the report; sizes are reviewed, not asserted.
    const report = Object.fromEntries(
      bundles.map((bundle) => [
        bundle.functionName,
        { codeBytes: bundle.codeBytes, assetBytes: bundle.totalBytes },
      ]),
    );
    mkdirSync(join(PROJECT_ROOT, 'test-results'), { recursive: true });
    writeFileSync(
      join(PROJECT_ROOT, 'test-results', 'bundle-sizes.json'),
      `${JSON.stringify(report, null, 2)}\n`,
    );
    console.log('function bundle sizes (bytes):', report);
  }, 180_000);

  it('start with exactly the environment their stack gives them and the configuration in their bundle', async () => {
    const functions = ['Pipeline', 'Api'].flatMap((part) => {
      const template = JSON.parse(
        readFileSync(join(outdir, `Tidings-dev-${part}.template.json`), 'utf8'),
      ) as {
        Resources: Record<string, FunctionResource>;
      };
      // The Tidings functions; CDK's custom resource provider is not one of them.
      return Object.values(template.Resources).filter(
        (resource) =>
          resource.Type === 'AWS::Lambda::Function' &&
          String(resource.Properties.FunctionName).startsWith('tidings-'),
      );
    });
    expect(functions).toHaveLength(FUNCTION_NAMES.length);
    const started = await Promise.all(
      functions.map(async (fn) => {
        const dir = join(outdir, String(fn.Metadata?.['aws:asset:path']));
        // References become plausible values; the bundle's own folder stands in for /var/task.
        const variables = Object.fromEntries(
          Object.entries(fn.Properties.Environment.Variables).map(([name, value]) => [
            name,
            typeof value === 'string'
              ? value.replace('/var/task', dir)
              : name === 'SEND_QUEUE_URL'
                ? 'https://sqs.eu-west-1.amazonaws.com/123456789012/tidings-dev-send'
                : name === 'TOKEN_SECRET_ARN'
                  ? 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tidings/dev/token-keys-AbCdEf'
                  : `tidings-dev-${name.toLowerCase()}`,
          ]),
        );
        const result = await coldStart(dir, {
          PATH: process.env.PATH ?? '',
          ...variables,
          AWS_REGION: 'eu-west-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
          LAMBDA_TASK_ROOT: dir,
        });
        return { name: fn.Properties.FunctionName, ...result };
      }),
    );
    const failures = started
      .filter((result) => result.code !== 0 || !result.output.includes('cold start complete'))
      .map((result) => {
        const lines = result.output.split('\n').filter((line) => /Error|error/.test(line));
        return `${result.name} (exit ${result.code}): ${lines.slice(0, 3).join(' | ')}`;
      });
    // In Lambda the bundle sits alone in /var/task: templates come from $TEMPLATES_DIR, never from
    // paths relative to the source tree.
    expect(failures, 'every bundle must start with only its stack-given environment').toEqual([]);
  }, 120_000);
});
