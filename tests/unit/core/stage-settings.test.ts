import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../lambdas/core/config.js';
import { devDefaultIn, settingsForStage } from '../../../lambdas/core/stage-settings.js';

const base = {
  stage: 'dev',
  baseUrl: 'http://127.0.0.1:3000',
  sender: { address: 'digest@tidings.example', name: 'Tidings', domain: 'tidings.example' },
  postalAddress: 'Tidings Media, 100 Example Street',
  ses: { maxSendRate: 14, configurationSet: 'tidings-local' },
  editions: [{ id: 'dc', name: 'D.C.', timeZone: 'America/New_York', sendTime: '06:30' }],
  sources: [{ id: 'sample', location: 'samples/briefs.json' }],
};
const prod = {
  baseUrl: 'https://news.tidings-media.eu',
  sender: { address: 'digest@news.tidings-media.eu', domain: 'news.tidings-media.eu' },
  alarmEmail: 'ops@tidings-media.eu',
  sources: [{ id: 'desk', location: 'https://desk.tidings-media.eu/briefs.json' }],
};

describe('settingsForStage', () => {
  it('returns the base settings for their own stage, naming the configuration set they name', () => {
    expect(settingsForStage(base, { prod }, undefined)).toEqual(base);
    expect(settingsForStage(base, { prod }, 'dev')).toEqual(base);
  });

  it('merges objects key by key, replaces lists, and sets the stage', () => {
    const merged = settingsForStage(base, { prod }, 'prod') as typeof base & typeof prod;
    expect(merged.stage).toBe('prod');
    expect(merged.sender).toEqual({ ...prod.sender, name: 'Tidings' });
    expect(merged.sources).toEqual(prod.sources);
    expect(merged.editions).toEqual(base.editions);
  });

  it('names the configuration set after the stage unless the stage names its own', () => {
    expect((settingsForStage(base, { prod }, 'prod') as typeof base).ses).toEqual({
      maxSendRate: 14,
      configurationSet: 'tidings-prod',
    });
    const own = { prod: { ...prod, ses: { configurationSet: 'newsroom' } } };
    expect((settingsForStage(base, own, 'prod') as typeof base).ses.configurationSet).toBe('newsroom');
    const unnamed = { ...base, ses: { maxSendRate: 14 } };
    expect((settingsForStage(unnamed, {}, 'dev') as typeof base).ses.configurationSet).toBe('tidings-dev');
  });

  it('ignores keys that would reach the prototype', () => {
    const hostile = JSON.parse('{"prod": {"__proto__": {"polluted": true}}}');
    const merged = settingsForStage(base, hostile, 'prod') as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(merged, '__proto__')).toBe(false);
  });

  it('refuses a malformed stage name and a stage without settings', () => {
    expect(() => settingsForStage(base, { prod }, 'Prod!')).toThrow(ConfigError);
    expect(() => settingsForStage(base, { prod }, 'qa')).toThrow(
      /no settings for stage "qa" \(stages: dev, prod\)/,
    );
  });
});

describe('devDefaultIn', () => {
  it('finds nothing in dev, whatever it holds', () => {
    expect(devDefaultIn(parseConfig(base))).toBeUndefined();
  });

  it('finds nothing in a stage fit to deploy', () => {
    expect(devDefaultIn(parseConfig(settingsForStage(base, { prod }, 'prod')))).toBeUndefined();
  });

  it('names the first dev default of another stage', () => {
    const staging = parseConfig({
      ...(settingsForStage(base, { staging: prod }, 'staging') as object),
      baseUrl: 'http://localhost:8080/',
    });
    expect(devDefaultIn(staging)?.key).toBe('tidings.baseUrl');
    expect(devDefaultIn(staging)?.message).toBe(
      'invalid configuration at tidings.baseUrl: http://localhost:8080/ (a loopback address) is a dev default; stage staging needs its own',
    );
  });
});
