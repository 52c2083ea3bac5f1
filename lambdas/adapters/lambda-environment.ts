import { parseConfig, type TidingsConfig } from '../core/config.js';

/**
 * What every handler reads from its environment at cold start. A missing or broken setting fails
 * the cold start with its name, never later in the middle of an event.
 */

/** The value of an environment variable that must be set. */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new Error(`missing environment variable ${name}`);
  return value;
}

/** The validated configuration the stack hands every function as `TIDINGS_CONFIG` (no secrets in it). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): TidingsConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(requiredEnv('TIDINGS_CONFIG', env));
  } catch (error) {
    if ((error as Error).message.startsWith('missing environment variable')) throw error;
    throw new Error(`TIDINGS_CONFIG is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseConfig(raw, 'TIDINGS_CONFIG');
}
