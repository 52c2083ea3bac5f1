import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BUNDLED_CONFIG_FILE,
  configFromEnv,
  LambdaEnvironmentError,
  requiredEnv,
} from '../../lambdas/adapters/lambda-environment.js';

const settings = JSON.parse(readFileSync('cdk.json', 'utf8')).context.tidings as Record<string, unknown>;
const shipped = JSON.stringify(settings);

describe('lambda environment', () => {
  const taskRoot = mkdtempSync(join(tmpdir(), 'tidings-task-root-'));
  afterAll(() => rmSync(taskRoot, { recursive: true, force: true }));

  it('reads the configuration from the bundle in the task root, as deployed', () => {
    writeFileSync(join(taskRoot, BUNDLED_CONFIG_FILE), JSON.stringify({ ...settings, issueLimit: 7 }));
    const config = configFromEnv({ LAMBDA_TASK_ROOT: taskRoot, TIDINGS_CONFIG: shipped });
    expect(config.issueLimit).toBe(7);
    expect(config.editions).toHaveLength(6);
  });

  it('reads TIDINGS_CONFIG where no bundle carries a configuration (tests, benchmarks)', () => {
    expect(configFromEnv({ TIDINGS_CONFIG: shipped }).editions).toHaveLength(6);
    const empty = mkdtempSync(join(tmpdir(), 'tidings-task-root-'));
    try {
      expect(configFromEnv({ LAMBDA_TASK_ROOT: empty, TIDINGS_CONFIG: shipped }).editions).toHaveLength(6);
      expect(() => configFromEnv({ LAMBDA_TASK_ROOT: empty })).toThrow(
        `missing ${join(empty, BUNDLED_CONFIG_FILE)}: the function's bundle carries no configuration`,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('fails the cold start by name when a setting is missing, broken or invalid', () => {
    expect(() => requiredEnv('TABLE_LEDGER', {})).toThrow('missing environment variable TABLE_LEDGER');
    expect(() => requiredEnv('TABLE_LEDGER', {})).toThrow(LambdaEnvironmentError);
    expect(() => configFromEnv({})).toThrow('missing environment variable TIDINGS_CONFIG');
    expect(() => configFromEnv({ TIDINGS_CONFIG: '{not json' })).toThrow(/TIDINGS_CONFIG is not valid JSON/);
    const broken = JSON.stringify({ ...settings, issueLimit: 0 });
    expect(() => configFromEnv({ TIDINGS_CONFIG: broken })).toThrow(/TIDINGS_CONFIG\.issueLimit/);
    writeFileSync(join(taskRoot, BUNDLED_CONFIG_FILE), broken);
    expect(() => configFromEnv({ LAMBDA_TASK_ROOT: taskRoot })).toThrow(/tidings-config\.json\.issueLimit/);
  });
});
