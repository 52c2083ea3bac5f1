import { join } from 'node:path';
import { type BundlingOptions, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';

export interface FunctionBundlingProps {
  /** Copy `templates/` into the bundle (compose and api only). */
  templates: boolean;
}

/**
 * How a function's bundle is built: an ES module for Node.js 22 by the local esbuild, minified,
 * with source maps, carrying the pinned AWS SDK and, for the functions that render, `templates/`.
 */
export function functionBundling(props: FunctionBundlingProps): BundlingOptions {
  return {
    forceDockerBundling: false,
    format: OutputFormat.ESM,
    target: 'node22',
    mainFields: ['module', 'main'],
    minify: true,
    sourceMap: true,
    sourceMapMode: SourceMapMode.DEFAULT,
    // Paths and mappings are enough for stack traces; embedding every source would triple the asset.
    sourcesContent: false,
    // Bundle the pinned AWS SDK instead of the runtime's copy: the code runs against the
    // versions it was tested with. Only the TypeScript compiler stays out: MJML's config loader
    // (cosmiconfig) requires it lazily for `.ts` config files, which a function never has.
    externalModules: ['typescript'],
    // Some CommonJS dependencies call `require` for Node built-ins; ESM output has none.
    banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    ...(props.templates
      ? {
          commandHooks: {
            beforeBundling: (): string[] => [],
            beforeInstall: (): string[] => [],
            afterBundling: (inputDir: string, outputDir: string): string[] => [
              `cp -R "${join(inputDir, 'templates')}" "${join(outputDir, 'templates')}"`,
            ],
          },
        }
      : {}),
  };
}
