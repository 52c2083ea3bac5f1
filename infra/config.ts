import type { App } from 'aws-cdk-lib';
import { ConfigError, parseConfig, type TidingsConfig } from '../lambdas/core/config.js';

/** The `cdk.json` context key holding the Tidings settings. */
export const CONTEXT_KEY = 'tidings';

/**
 * Reads the Tidings settings from the app's context (`cdk.json`, or `-c tidings=…`) and validates
 * them with the one config schema, so the CDK app, the CLI and every Lambda agree on what is valid.
 *
 * A JSON string is accepted too, because `cdk -c tidings='{…}'` hands context values over as text.
 */
export function configFromContext(app: App): TidingsConfig {
  let raw: unknown = app.node.tryGetContext(CONTEXT_KEY);
  if (raw === undefined) {
    throw new ConfigError(CONTEXT_KEY, 'missing: add the "tidings" object under "context" in cdk.json');
  }
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch (error) {
      throw new ConfigError(CONTEXT_KEY, 'not valid JSON', { cause: error });
    }
  }
  return parseConfig(raw, CONTEXT_KEY);
}
