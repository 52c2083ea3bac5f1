import { ConfigError, type TidingsConfig } from './config.js';
import { STAGE_NAME_PATTERN, STAGE_NAME_RULE } from './stage-name.js';

/**
 * Stages (`dev`, `prod`, more) share one settings file: the base settings (`tidings` in
 * `cdk.json`, which are the `dev` stage's) and, per further stage, only what differs
 * (`tidingsStages.<stage>`). A stage's settings are the base with its overrides merged in.
 */

/** The stage whose defaults are made for a laptop: loopback URLs, example domains, sample files. */
export const DEV_STAGE = 'dev';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Objects merge key by key; anything else (arrays included: editions, sources) is replaced. */
function merge(base: unknown, override: unknown): unknown {
  if (!isObject(base) || !isObject(override)) return override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    merged[key] = key in base ? merge(base[key], value) : value;
  }
  return merged;
}

/**
 * The raw settings of one stage: the base settings when `stage` is theirs (or not given), else the
 * base merged with `overrides[stage]` and `stage` set. Throws {@link ConfigError} for a malformed
 * stage name or a stage that has no overrides; the result still needs `parseConfig`.
 */
export function settingsForStage(base: unknown, overrides: unknown, stage?: string): unknown {
  const baseStage = isObject(base) ? base.stage : undefined;
  if (stage === undefined || stage === baseStage) return withStageNames(base, base);
  if (!STAGE_NAME_PATTERN.test(stage)) throw new ConfigError('stage', `"${stage}" is not ${STAGE_NAME_RULE}`);
  const own = isObject(overrides) ? overrides[stage] : undefined;
  if (!isObject(own)) {
    const known = [baseStage, ...Object.keys(isObject(overrides) ? overrides : {})].filter(Boolean);
    throw new ConfigError(
      `tidingsStages.${stage}`,
      `no settings for stage "${stage}" (stages: ${known.join(', ')}); add its overrides under "tidingsStages" in cdk.json`,
    );
  }
  const withoutBaseNames = isObject(base) && isObject(base.ses) ? { ...base, ses: { ...base.ses } } : base;
  if (isObject(withoutBaseNames) && isObject(withoutBaseNames.ses))
    delete withoutBaseNames.ses.configurationSet;
  return withStageNames({ ...(merge(withoutBaseNames, own) as Record<string, unknown>), stage }, own);
}

/** The configuration set a stage's settings do not name: `tidings-<stage>`. */
export function defaultConfigurationSet(stage: string): string {
  return `tidings-${stage}`;
}

/**
 * Account-wide names carry the stage, so two stages in one account and region never collide: the
 * SES configuration set is `tidings-<stage>` unless the stage's own settings name one (a base
 * setting's name is never inherited by another stage).
 */
function withStageNames(settings: unknown, own: unknown): unknown {
  if (!isObject(settings) || typeof settings.stage !== 'string') return settings;
  const ownSes = isObject(own) && isObject(own.ses) ? own.ses : {};
  if (ownSes.configurationSet !== undefined) return settings;
  const ses = isObject(settings.ses) ? settings.ses : {};
  return { ...settings, ses: { ...ses, configurationSet: defaultConfigurationSet(settings.stage) } };
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\]|0\.0\.0\.0)$/i;
// RFC 2606 and 6761 names that never reach a real reader.
const RESERVED = /(^|\.)(example|test|invalid|localhost)$|(^|\.)example\.(com|net|org)$/i;

/** Why a host name is a dev default, or undefined when it is a real one. */
function devHost(host: string): string | undefined {
  if (LOOPBACK.test(host)) return 'a loopback address';
  if (RESERVED.test(host)) return 'a reserved example domain';
  return undefined;
}

function hostOf(url: string): string | undefined {
  return URL.canParse(url) ? new URL(url).hostname : undefined;
}

/**
 * The first setting of a stage other than `dev` that still holds a dev default, as the error that
 * refuses the deploy: a loopback or example URL or domain, a local source file, or no alarm email
 * (the alarms would notify nobody). Undefined for `dev` and for a stage fit to deploy.
 */
export function devDefaultIn(config: TidingsConfig, root = 'tidings'): ConfigError | undefined {
  if (config.stage === DEV_STAGE) return undefined;
  const refuse = (key: string, reason: string): ConfigError =>
    new ConfigError(`${root}.${key}`, `${reason} is a dev default; stage ${config.stage} needs its own`);
  const urlChecks: [string, string][] = [
    ['baseUrl', config.baseUrl],
    ...config.api.corsOrigins.map((origin, index): [string, string] => [`api.corsOrigins.${index}`, origin]),
  ];
  for (const [key, url] of urlChecks) {
    const why = devHost(hostOf(url) ?? '');
    if (why) return refuse(key, `${url} (${why})`);
  }
  const domains: [string, string | undefined][] = [
    ['sender.domain', config.sender.domain],
    ['sender.address', config.sender.address.split('@')[1]],
    ['sender.replyTo', config.sender.replyTo?.split('@')[1]],
    ['alarmEmail', config.alarmEmail?.split('@')[1]],
  ];
  for (const [key, domain] of domains) {
    const why = domain ? devHost(domain) : undefined;
    if (why) return refuse(key, `${domain} (${why})`);
  }
  for (const [index, source] of config.sources.entries()) {
    const host = hostOf(source.location);
    const key = `sources.${index}.location`;
    if (!host || !/^https?:/.test(source.location)) return refuse(key, `${source.location} (a local file)`);
    const why = devHost(host);
    if (why) return refuse(key, `${source.location} (${why})`);
  }
  if (!config.alarmEmail) {
    return new ConfigError(
      `${root}.alarmEmail`,
      `missing: stage ${config.stage} needs an address for its alarms, or they notify nobody`,
    );
  }
  return undefined;
}
