import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { buildStacks } from '../../infra/build-app.js';
import { FUNCTION_NAMES, handlerEntry, PROJECT_ROOT } from '../../infra/constructs/tidings-function.js';
import { type BundleSize, bundleSizes } from '../../infra/synth-report.js';
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

describe('function bundles', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'tidings-bundles-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('are built for all five functions with the local esbuild; only compose carries MJML', () => {
    const missing = FUNCTION_NAMES.filter((name) => !existsSync(handlerEntry(name))).map(handlerEntry);
    expect(missing, `handler entries not written yet: ${missing.join(', ')}`).toEqual([]);

    // Bundling is on (no `aws:cdk:bundling-stacks` override), as for `cdk synth` and `cdk deploy`.
    const app = new App({
      outdir,
      context: { tidings: projectSettings(), 'aws:cdk:enable-asset-metadata': true },
    });
    buildStacks(app, { env: { account: '123456789012', region: 'eu-west-1' } });
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
      expect(carriesMjml(sources), `${name} bundle and MJML`).toBe(name === 'compose');
      const code = readFileSync(join(outdir, bundle.assetPath, 'index.mjs'), 'utf8');
      expect(code, `${name} is an ES module exporting handler`).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
      const templates = existsSync(join(outdir, bundle.assetPath, 'templates'));
      expect(templates, `${name} bundle and templates`).toBe(name === 'compose' || name === 'api');
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
});
