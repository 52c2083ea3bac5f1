import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, parseConfig, type TidingsConfig } from '../lambdas/core/config.js';
import { settingsForStage } from '../lambdas/core/stage-settings.js';

/**
 * Reads the `tidings` context of `cdk.json` (the same settings the CDK app deploys) and validates
 * it. `TIDINGS_CONFIG_FILE` points at another cdk.json-shaped file, for tests and experiments.
 * Locally the public base URL follows the API port when `TIDINGS_API_PORT` moves it. With a
 * `stage` that has its own overrides (`tidingsStages.<stage>`), those are merged in, as the CDK app
 * deploys them; a stage without overrides reads the base settings, and reaching it then says
 * whether it exists.
 */
export async function readConfigFile(
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
  stage?: string,
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
  const context = (json as { context?: { tidings?: unknown; tidingsStages?: unknown } } | null)?.context;
  const raw = context?.tidings;
  if (raw === undefined) throw new ConfigError('context.tidings', `missing in ${path}`);
  const stages = context?.tidingsStages;
  const staged =
    stage !== undefined && typeof stages === 'object' && stages !== null && Object.hasOwn(stages, stage);
  const config = staged
    ? parseConfig(settingsForStage(raw, stages, stage), `context.tidingsStages.${stage}`)
    : parseConfig(raw, 'context.tidings');
  const apiPort = env.TIDINGS_API_PORT;
  if (apiPort && /^\d+$/.test(apiPort) && new URL(config.baseUrl).hostname === '127.0.0.1') {
    return { ...config, baseUrl: `http://127.0.0.1:${apiPort}` };
  }
  return config;
}
