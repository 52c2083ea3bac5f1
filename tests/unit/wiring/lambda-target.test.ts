import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_CONFIG_FILE } from '../../../lambdas/adapters/lambda-environment.js';
import { ConfigError, parseConfig, type TidingsConfig } from '../../../lambdas/core/config.js';
import { lambdaTarget } from '../../../lambdas/wiring/lambda.js';
import { testConfig } from '../../support/stack.js';

describe("a function's configuration at cold start", () => {
  const taskRoot = mkdtempSync(join(tmpdir(), 'tidings-task-root-'));
  let config: TidingsConfig;
  beforeAll(async () => {
    config = await testConfig();
  });
  afterAll(() => rmSync(taskRoot, { recursive: true, force: true }));

  it('ships exactly what parseConfig returned, so taking it unvalidated equals validating it again', () => {
    // What the stack writes into every bundle (infra/constructs/function-bundling.ts).
    const shipped = JSON.parse(`${JSON.stringify(config)}\n`) as unknown;
    expect(parseConfig(shipped, BUNDLED_CONFIG_FILE)).toEqual(shipped);
  });

  it("takes the bundle's file as the stack wrote it, without parsing it again", () => {
    // A setting parseConfig would refuse shows the file is not validated a second time.
    const shipped = { ...config, builtBy: 'the stack' };
    expect(() => parseConfig(shipped, BUNDLED_CONFIG_FILE)).toThrow(ConfigError);
    writeFileSync(join(taskRoot, BUNDLED_CONFIG_FILE), `${JSON.stringify(shipped)}\n`);
    const target = lambdaTarget({ tables: [] }, { LAMBDA_TASK_ROOT: taskRoot });
    expect(target.config).toEqual(JSON.parse(JSON.stringify(shipped)));
  });

  it('still validates a configuration handed over in the environment (tests, benchmarks)', () => {
    const broken = JSON.stringify({ ...config, editions: 'none' });
    expect(() => lambdaTarget({ tables: [] }, { TIDINGS_CONFIG: broken })).toThrow(ConfigError);
  });
});
