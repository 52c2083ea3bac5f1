import type { App } from 'aws-cdk-lib';
import { ConfigError, parseConfig, type TidingsConfig } from '../lambdas/core/config.js';
import { devDefaultIn, settingsForStage } from '../lambdas/core/stage-settings.js';

/** The `cdk.json` context key holding the Tidings settings (the `dev` stage's, and every stage's base). */
export const CONTEXT_KEY = 'tidings';
/** The context key holding, per further stage, what differs from the base settings. */
export const STAGES_CONTEXT_KEY = 'tidingsStages';
/** The context key naming the stage to synthesize or deploy: `cdk deploy -c stage=prod`. */
export const STAGE_CONTEXT_KEY = 'stage';

/** A context value; `cdk -c key='{…}'` hands values over as text, so JSON text is read too. */
function contextValue(app: App, key: string): unknown {
  const raw: unknown = app.node.tryGetContext(key);
  if (typeof raw !== 'string' || key === STAGE_CONTEXT_KEY) return raw;
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new ConfigError(key, 'not valid JSON', { cause: error });
  }
}

/**
 * Reads the settings of the stage being synthesized (`-c stage=…`, default the base settings'
 * stage) from the app's context and validates them with the one config schema, so the CDK app,
 * the CLI and every Lambda agree on what is valid. A stage other than `dev` that still holds a dev
 * default (loopback or example URLs and domains, local sources, no alarm email) is refused, with
 * the key named.
 */
export function configFromContext(app: App): TidingsConfig {
  const base = contextValue(app, CONTEXT_KEY);
  if (base === undefined) {
    throw new ConfigError(CONTEXT_KEY, 'missing: add the "tidings" object under "context" in cdk.json');
  }
  const stage = contextValue(app, STAGE_CONTEXT_KEY);
  if (stage !== undefined && typeof stage !== 'string') {
    throw new ConfigError(STAGE_CONTEXT_KEY, 'must be a stage name such as prod');
  }
  const raw = settingsForStage(base, contextValue(app, STAGES_CONTEXT_KEY), stage);
  const config = parseConfig(raw, CONTEXT_KEY);
  const unfit = devDefaultIn(config, CONTEXT_KEY);
  if (unfit) throw unfit;
  return config;
}
