import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Stack, Stage } from 'aws-cdk-lib';
import { type BundlingOptions, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { IConstruct } from 'constructs';
import type { BuildOptions } from 'esbuild';
import { BUNDLED_CONFIG_FILE } from '../../lambdas/adapters/lambda-environment.js';
import type { TidingsConfig } from '../../lambdas/core/config.js';

export interface FunctionBundlingProps {
  /** Copy `templates/` into the bundle (compose and api only). */
  templates: boolean;
  /** The validated configuration file to ship in the bundle (see {@link writeBundledConfig}). */
  configFile: string;
}

/**
 * Writes the validated configuration into the app's cloud assembly folder, from where every
 * function's bundling copies it beside its code as `tidings-config.json` (read at cold start by
 * `configFromEnv`). A file copied by path keeps the shell away from the settings' text; Lambda's
 * environment (4 KB in all) no longer carries them. Returns the file's path.
 */
export function writeBundledConfig(scope: IConstruct, config: TidingsConfig): string {
  const outdir = Stage.of(scope)?.outdir;
  if (!outdir) throw new Error(`${scope.node.path} is not in an app, so it has no assembly folder`);
  const path = join(outdir, `tidings-config.${config.stage}.json`);
  // Only a stack that is bundled reads it; `cdk` skips bundling the stacks it is not deploying.
  if (Stack.of(scope).bundlingRequired) writeFileSync(path, `${JSON.stringify(config)}\n`);
  return path;
}

const LAMBDAS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'lambdas');

/**
 * The esbuild settings of every function's bundle, named once for the stack's bundling below and
 * for the benchmarks that build the same bundles (`bench/bundles.bench.ts`, `bench/cold-start.bench.ts`).
 */
export const ESBUILD_SETTINGS = {
  format: 'esm',
  target: 'node22',
  // ES module builds first: they tree-shake (a package's CommonJS build is kept whole).
  mainFields: ['module', 'main'],
  minify: true,
  // Bundle every package instead of the runtime's copies: the code runs against the versions it
  // was tested with. Only the TypeScript compiler stays out: no function calls it, and
  // a dependency that requires it lazily must never pull it into a bundle.
  external: ['typescript'],
  // The AWS SDK's clients the functions construct, replaced by the signed calls of
  // lambdas/adapters/aws/ (the same names, the operations the stores make, none of the SDK's
  // generic machinery): the adapters import and are tested against the SDK itself, the bundles
  // carry about 180 KiB less and start ~60 ms sooner (docs/performance.md).
  alias: Object.fromEntries(
    ['client-dynamodb', 'lib-dynamodb', 'client-sqs', 'client-ses', 'client-secrets-manager'].map((name) => [
      `@aws-sdk/${name}`,
      join(LAMBDAS_DIR, 'adapters', 'aws', `${name}.ts`),
    ]),
  ) as Readonly<Record<string, string>>,
} as const;

/**
 * The same settings as esbuild's own options, for a function's entry (`lambdas/handlers/<name>.ts`):
 * what the benchmarks and the bundle-content tests build, source maps left out.
 */
export function functionBuildOptions(name: string): BuildOptions {
  return {
    entryPoints: [join(LAMBDAS_DIR, 'handlers', `${name}.ts`)],
    bundle: true,
    platform: 'node',
    format: ESBUILD_SETTINGS.format,
    target: ESBUILD_SETTINGS.target,
    mainFields: [...ESBUILD_SETTINGS.mainFields],
    minify: ESBUILD_SETTINGS.minify,
    sourcemap: false,
    external: [...ESBUILD_SETTINGS.external],
    alias: { ...ESBUILD_SETTINGS.alias },
    logLevel: 'error',
  };
}

/**
 * How a function's bundle is built: an ES module for Node.js 22 by the local esbuild, minified,
 * with source maps, carrying the pinned AWS SDK, the configuration and, for the functions that
 * render, `templates/`.
 */
export function functionBundling(props: FunctionBundlingProps): BundlingOptions {
  return {
    forceDockerBundling: false,
    format: OutputFormat.ESM,
    target: ESBUILD_SETTINGS.target,
    mainFields: [...ESBUILD_SETTINGS.mainFields],
    minify: ESBUILD_SETTINGS.minify,
    sourceMap: true,
    sourceMapMode: SourceMapMode.DEFAULT,
    // Paths and mappings are enough for stack traces; embedding every source would triple the asset.
    sourcesContent: false,
    externalModules: [...ESBUILD_SETTINGS.external],
    esbuildArgs: Object.fromEntries(
      Object.entries(ESBUILD_SETTINGS.alias).map(([name, path]) => [`--alias:${name}`, path]),
    ),
    commandHooks: {
      beforeBundling: (): string[] => [],
      beforeInstall: (): string[] => [],
      afterBundling: (inputDir: string, outputDir: string): string[] => [
        `cp "${props.configFile}" "${join(outputDir, BUNDLED_CONFIG_FILE)}"`,
        ...(props.templates
          ? [`cp -R "${join(inputDir, 'templates')}" "${join(outputDir, 'templates')}"`]
          : []),
      ],
    },
  };
}
