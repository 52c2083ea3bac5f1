/**
 * `cold-start:<function>`: each Lambda bundle's size, and the time a fresh Node process takes to
 * import it and run its initialisation (module scope: configuration, clients, the token keyring
 * from a local Secrets Manager stand-in, templates), against a fresh process importing an empty
 * module. Bundles are built with esbuild using the settings of `infra/constructs/tidings-function.ts`.
 *
 *   npx tsx bench/cold-start.bench.ts [--repeats 7]
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type BuildOptions, build } from 'esbuild';
import { TABLES, tableNames } from '../lambdas/adapters/tables.js';
import { startSecretsStandIn } from '../tests/support/secrets-stand-in.js';
import { type Figure, numericFlags, runIfMain, stats } from './lib.js';

const run = promisify(execFile);

export const FUNCTIONS = ['ingest', 'compose', 'send', 'feedback', 'api'] as const;

/** Measures, inside the child, from just before the import to just after the module evaluated. */
const PROBE = `
const started = performance.now();
await import(process.argv[1]);
process.stdout.write(JSON.stringify({ initMs: performance.now() - started }));
process.exit(0);
`;

/** The esbuild settings of `infra/constructs/function-bundling.ts`, for a function's entry. */
export function bundleOptions(name: string): BuildOptions {
  return {
    entryPoints: [join('lambdas', 'handlers', `${name}.ts`)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: false,
    external: ['typescript'],
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    logLevel: 'error',
  };
}

async function bundle(name: string, outDir: string): Promise<{ file: string; bytes: number }> {
  const dir = join(outDir, name);
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'index.mjs');
  await build({ ...bundleOptions(name), outfile: file });
  await cp('templates', join(dir, 'templates'), { recursive: true });
  return { file, bytes: (await stat(file)).size };
}

async function timeImport(file: string, env: NodeJS.ProcessEnv): Promise<{ wallMs: number; initMs: number }> {
  const started = performance.now();
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', PROBE, file], {
    env,
    cwd: tmpdir(),
  });
  const wallMs = performance.now() - started;
  return { wallMs, initMs: (JSON.parse(stdout) as { initMs: number }).initMs };
}

export default async function coldStart(argv: string[]): Promise<Figure[]> {
  const { repeats } = numericFlags(argv, { repeats: 7 });
  const config = JSON.parse(await readFile('cdk.json', 'utf8')).context.tidings;
  const outDir = await mkdtemp(join(tmpdir(), 'tidings-bundles-'));
  const secrets = await startSecretsStandIn();
  try {
    const names = tableNames(config.stage);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      TIDINGS_CONFIG: JSON.stringify(config),
      TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:tidings',
      SEND_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/tidings-send',
      POWERTOOLS_SERVICE_NAME: 'tidings',
      POWERTOOLS_METRICS_NAMESPACE: 'Tidings',
      POWERTOOLS_DEV: 'true',
      LOG_LEVEL: 'ERROR',
      ...Object.fromEntries(Object.values(TABLES).map((t) => [t.envVar, names[t.id]])),
    };
    const empty = join(outDir, 'empty.mjs');
    await writeFile(empty, 'export {};\n');

    const figures: Figure[] = [];
    for (const name of FUNCTIONS) {
      const { file, bytes } = await bundle(name, outDir);
      const envFor = { ...env, TEMPLATES_DIR: join(outDir, name, 'templates') };
      await timeImport(file, envFor); // warm the file system cache
      await timeImport(empty, envFor);
      const fn: number[] = [];
      const base: number[] = [];
      for (let i = 0; i < repeats; i++) {
        fn.push((await timeImport(file, envFor)).wallMs);
        base.push((await timeImport(empty, envFor)).wallMs);
      }
      const a = stats(fn);
      const b = stats(base);
      figures.push({
        name: `cold-start:${name}`,
        value: a.median,
        unit: 'ms',
        spread: a.iqr,
        baseline: b.median,
        baselineSpread: b.iqr,
        baselineName: 'fresh Node process importing an empty module',
        ratio: a.median / b.median,
        higherIsBetter: false,
        command: 'npx tsx bench/cold-start.bench.ts',
        notes: `bundle ${(bytes / 1024).toFixed(0)} KiB (minified ESM, AWS SDK included); Node ${process.version} here, Node 22 on Lambda; init includes reading the keyring from a local Secrets Manager stand-in where the function needs it`,
      });
    }
    return figures;
  } finally {
    secrets.close();
    await rm(outDir, { recursive: true, force: true });
  }
}

await runIfMain(import.meta.url, coldStart);
