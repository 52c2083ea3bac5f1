import type { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { environmentFromProcess } from '../../infra/build-app.js';
import { configFromContext } from '../../infra/config.js';
import { ConfigError } from '../../lambdas/core/config.js';
import { projectSettings, testApp } from './support.js';

const appWith = (tidings: unknown): App => testApp({ context: tidings === undefined ? {} : { tidings } });

describe('configFromContext', () => {
  it('accepts the settings in cdk.json and fills defaults', () => {
    const config = configFromContext(appWith(projectSettings()));
    expect(config.stage).toBe('dev');
    expect(config.editions.map((edition) => edition.id)).toEqual([
      'dc',
      'bxl',
      'lagos',
      'riyadh',
      'beijing',
      'sg',
    ]);
    expect(config.editions.find((edition) => edition.id === 'bxl')?.sendDays).toHaveLength(7);
  });

  it('accepts the settings as a JSON string, as `cdk -c tidings=…` passes them', () => {
    const config = configFromContext(appWith(JSON.stringify(projectSettings())));
    expect(config.sender.domain).toBe('tidings.example');
  });

  it('names the context key when the settings are missing', () => {
    expect(() => configFromContext(appWith(undefined))).toThrow(ConfigError);
    expect(() => configFromContext(appWith(undefined))).toThrow(/tidings: missing/);
  });

  it('rejects text that is not JSON', () => {
    expect(() => configFromContext(appWith('{"stage": '))).toThrow(/not valid JSON/);
  });

  it.each([
    [
      'an unknown time zone',
      { editions: [{ id: 'dc', name: 'D.C.', timeZone: 'Mars/Olympus', sendTime: '06:30' }] },
      'tidings.editions.0.timeZone',
    ],
    [
      'a send time past midnight',
      { editions: [{ id: 'dc', name: 'D.C.', timeZone: 'UTC', sendTime: '24:00' }] },
      'tidings.editions.0.sendTime',
    ],
    ['an unknown setting', { surprise: true }, 'tidings'],
    ['a stage with upper case', { stage: 'Prod' }, 'tidings.stage'],
    ['a prototype-polluting key', JSON.parse('{"__proto__": {"stage": "x"}}'), 'tidings'],
    [
      'a sender domain with a slash',
      { sender: { address: 'a@b.example', name: 'A', domain: 'b.example/evil' } },
      'tidings.sender.domain',
    ],
  ])('rejects %s, naming the key', (_label, override, key) => {
    const settings = { ...projectSettings(), ...(override as Record<string, unknown>) };
    try {
      configFromContext(appWith(settings));
      expect.unreachable('configuration was accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).key).toBe(key);
    }
  });

  it('rejects settings that are not an object', () => {
    for (const value of [42, null, [], 'null']) {
      expect(() => configFromContext(appWith(value))).toThrow(ConfigError);
    }
  });
});

describe('environmentFromProcess', () => {
  it('targets the account and region the CLI resolved', () => {
    expect(
      environmentFromProcess({ CDK_DEFAULT_ACCOUNT: '123456789012', CDK_DEFAULT_REGION: 'eu-west-1' }),
    ).toEqual({
      account: '123456789012',
      region: 'eu-west-1',
    });
  });

  it('stays environment-agnostic without credentials, so synth works offline', () => {
    expect(environmentFromProcess({})).toBeUndefined();
    expect(environmentFromProcess({ CDK_DEFAULT_REGION: 'eu-west-1' })).toBeUndefined();
  });
});
