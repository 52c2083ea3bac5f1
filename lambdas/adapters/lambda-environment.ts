import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, type TidingsConfig } from '../core/config.js';
import { TidingsError } from '../core/errors.js';

/**
 * What every handler reads at cold start. A missing or broken setting fails the cold start with
 * its name, never later in the middle of an event.
 */

/**
 * The configuration file inside every function's bundle, beside `index.mjs`. The stack writes the
 * validated configuration there when it bundles the function, so a configuration change is a
 * deploy, and no number of sources or editions comes near Lambda's 4 KB environment limit.
 */
export const BUNDLED_CONFIG_FILE = 'tidings-config.json';

/** The environment variable that may carry the configuration where no bundle does (tests, benchmarks). */
export const CONFIG_ENV_VAR = 'TIDINGS_CONFIG';

/** A cold start without a usable configuration or setting; the message names what is missing. */
export class LambdaEnvironmentError extends TidingsError {
  readonly kind = 'internal' as const;
  override readonly name = 'LambdaEnvironmentError';
}

/** The value of an environment variable that must be set. */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new LambdaEnvironmentError(`missing environment variable ${name}`);
  return value;
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new LambdaEnvironmentError(`${source} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function readBundled(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LambdaEnvironmentError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The validated configuration (no secrets in it): in Lambda, the file in the function's bundle
 * (`$LAMBDA_TASK_ROOT/tidings-config.json`); elsewhere, and only where no bundle carries one, the
 * `TIDINGS_CONFIG` environment value, as tests and benchmarks hand it over. With `trustBundled`,
 * the bundle's file is taken as it is: the stack wrote it from what `parseConfig` returned when
 * the function was built, so validating it again at every cold start (zod compiling its schemas
 * on the first parse) would only repeat that; the environment's value is always validated.
 */
export function configFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  options: { trustBundled?: boolean } = {},
): TidingsConfig {
  const taskRoot = env.LAMBDA_TASK_ROOT;
  const path = taskRoot ? join(taskRoot, BUNDLED_CONFIG_FILE) : undefined;
  const bundled = path ? readBundled(path) : undefined;
  if (path && bundled !== undefined) {
    const shipped = parseJson(bundled, path);
    return options.trustBundled ? (shipped as TidingsConfig) : parseConfig(shipped, BUNDLED_CONFIG_FILE);
  }
  const inline = env[CONFIG_ENV_VAR];
  if (!inline) {
    throw new LambdaEnvironmentError(
      path
        ? `missing ${path}: the function's bundle carries no configuration (deploy it with the stack) and ${CONFIG_ENV_VAR} is not set`
        : `missing environment variable ${CONFIG_ENV_VAR}`,
    );
  }
  return parseConfig(parseJson(inline, CONFIG_ENV_VAR), CONFIG_ENV_VAR);
}
