import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configFromEnv, requiredEnv } from '../../lambdas/adapters/lambda-environment.js';

const shipped = JSON.stringify(JSON.parse(readFileSync('cdk.json', 'utf8')).context.tidings);

describe('lambda environment', () => {
  it('reads the configuration the stack hands every function', () => {
    expect(configFromEnv({ TIDINGS_CONFIG: shipped }).editions).toHaveLength(6);
  });

  it('fails the cold start by name when a setting is missing, broken or invalid', () => {
    expect(() => requiredEnv('TABLE_LEDGER', {})).toThrow('missing environment variable TABLE_LEDGER');
    expect(() => configFromEnv({})).toThrow('missing environment variable TIDINGS_CONFIG');
    expect(() => configFromEnv({ TIDINGS_CONFIG: '{not json' })).toThrow(/TIDINGS_CONFIG is not valid JSON/);
    const broken = JSON.stringify({ ...JSON.parse(shipped), issueLimit: 0 });
    expect(() => configFromEnv({ TIDINGS_CONFIG: broken })).toThrow(/TIDINGS_CONFIG\.issueLimit/);
  });
});
