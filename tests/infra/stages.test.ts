import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import type { TidingsStacks } from '../../infra/build-app.js';
import { configFromContext } from '../../infra/config.js';
import { ConfigError } from '../../lambdas/core/config.js';
import {
  buildStageApp,
  buildTestApp,
  PROD_OVERRIDES,
  projectSettings,
  projectStages,
  resourcesOfType,
  testApp,
} from './support.js';

const NAME_PROPERTIES = [
  'Name',
  'TableName',
  'QueueName',
  'TopicName',
  'FunctionName',
  'LogGroupName',
  'AlarmName',
  'DashboardName',
  'RoleName',
  'ManagedPolicyName',
  'BucketName',
];

/** Every physical name the stage's templates set, account-wide or regional. */
function physicalNames(stacks: TidingsStacks): string[] {
  const names: string[] = [];
  for (const stack of [stacks.data, stacks.pipeline, stacks.api, stacks.monitoring]) {
    for (const [, resource] of Object.entries(Template.fromStack(stack).toJSON().Resources ?? {})) {
      const properties = (resource as { Properties?: Record<string, unknown> }).Properties ?? {};
      for (const key of NAME_PROPERTIES) {
        const value = properties[key];
        if (typeof value === 'string') names.push(`${key}=${value}`);
      }
      const rule = properties.Rule as { Name?: unknown } | undefined;
      if (typeof rule?.Name === 'string') names.push(`Rule=${rule.Name}`);
    }
  }
  return names;
}

const refusal = (stage: string, overrides: Record<string, unknown>): ConfigError => {
  const app = testApp({
    context: { tidings: projectSettings(), stage, tidingsStages: { [stage]: overrides } },
  });
  try {
    configFromContext(app);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('the stage was accepted');
};

describe('stages', () => {
  it('give every name a stage owns, the SES configuration set included, the stage', () => {
    const dev = buildTestApp();
    const prod = buildStageApp('prod');
    expect(dev.config.ses.configurationSet).toBe('tidings-dev');
    expect(prod.config.ses.configurationSet).toBe('tidings-prod');
    resourcesOfType(Template.fromStack(prod.pipeline), 'AWS::SES::ConfigurationSet').forEach(([, set]) => {
      expect(set.Properties.Name).toBe('tidings-prod');
    });
    const devNames = new Set(physicalNames(dev));
    const shared = physicalNames(prod).filter((name) => devNames.has(name));
    expect(shared, 'names two stages in one account and region would both claim').toEqual([]);
  });

  it('take the base settings with their own overrides merged in', () => {
    const prod = buildStageApp('prod', { ...PROD_OVERRIDES, ingest: { rateMinutes: 30 } });
    expect(prod.config.stage).toBe('prod');
    expect(prod.config.baseUrl).toBe(PROD_OVERRIDES.baseUrl);
    expect(prod.config.ingest).toMatchObject({ rateMinutes: 30, timeoutMs: 10_000 });
    expect(prod.config.editions).toEqual(buildTestApp().config.editions);
    expect(prod.pipeline.stackName).toBe('Tidings-prod-Pipeline');
  });

  it.each([
    ['a loopback base URL', { baseUrl: 'http://127.0.0.1:3000' }, 'tidings.baseUrl', /loopback/],
    [
      'an example sending domain',
      { sender: { address: 'digest@news.example.com', name: 'T', domain: 'news.example.com' } },
      'tidings.sender.domain',
      /reserved example domain/,
    ],
    [
      'an example sender address',
      { sender: { address: 'digest@tidings.example', name: 'T', domain: 'news.tidings-media.eu' } },
      'tidings.sender.address',
      /reserved example domain/,
    ],
    [
      'a local source file',
      { sources: [{ id: 'sample', location: 'samples/briefs.json' }] },
      'tidings.sources.0.location',
      /a local file/,
    ],
    [
      'a source on an example domain',
      { sources: [{ id: 'feed', location: 'https://feeds.example.org/rss' }] },
      'tidings.sources.0.location',
      /reserved example domain/,
    ],
    ['no alarm email', { alarmEmail: undefined }, 'tidings.alarmEmail', /notify nobody/],
  ])(
    'refuse to deploy a stage other than dev with %s, in one line naming the key',
    (_label, change, key, reason) => {
      const overrides = JSON.parse(JSON.stringify({ ...PROD_OVERRIDES, ...change })) as Record<
        string,
        unknown
      >;
      const error = refusal('prod', overrides);
      expect(error.key).toBe(key);
      expect(error.message).toMatch(reason);
      expect(error.message).toMatch(/^invalid configuration at tidings\.\S+: /);
      expect(error.message).not.toContain('\n');
    },
  );

  it("refuse cdk.json's own prod overrides until they are filled in", () => {
    const error = refusal('prod', projectStages().prod ?? {});
    expect(error.message).toBe(
      'invalid configuration at tidings.baseUrl: https://news.example.com (a reserved example domain) is a dev default; stage prod needs its own',
    );
  });

  it('refuse a stage without settings, naming where they go', () => {
    expect(() => buildTestApp(projectSettings(), { stage: 'staging' })).toThrow(
      /tidingsStages\.staging: no settings for stage "staging" \(stages: dev\)/,
    );
  });

  it('keep dev deployable with its defaults', () => {
    expect(buildTestApp().config.baseUrl).toBe('http://127.0.0.1:3000');
  });
});
