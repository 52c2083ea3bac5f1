import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, parseConfig, type TidingsConfig } from '../lambdas/core/config.js';

/**
 * Reads the `tidings` context of `cdk.json` (the same settings the CDK app deploys) and validates
 * it. `TIDINGS_CONFIG_FILE` points at another cdk.json-shaped file, for tests and experiments.
 * Locally the public base URL follows the API port when `TIDINGS_API_PORT` moves it.
 */
export async function readConfigFile(
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): Promise<TidingsConfig> {
  const path = env.TIDINGS_CONFIG_FILE || join(cwd, 'cdk.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      path,
      `cannot read the configuration file (${(error as NodeJS.ErrnoException).code ?? error})`,
      {
        cause: error,
      },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(path, `not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const raw = (json as { context?: { tidings?: unknown } } | null)?.context?.tidings;
  if (raw === undefined) throw new ConfigError('context.tidings', `missing in ${path}`);
  const config = parseConfig(raw, 'context.tidings');
  const apiPort = env.TIDINGS_API_PORT;
  if (apiPort && /^\d+$/.test(apiPort) && new URL(config.baseUrl).hostname === '127.0.0.1') {
    return { ...config, baseUrl: `http://127.0.0.1:${apiPort}` };
  }
  return config;
}
