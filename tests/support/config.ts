import { parseConfig, type TidingsConfig } from '../../lambdas/core/config.js';

/** The settings every test configuration shares: a test stage, its sender and postal address. */
const COMMON = {
  stage: 'test',
  baseUrl: 'http://127.0.0.1:3000',
  sender: { address: 'digest@tidings.example', name: 'Tidings', domain: 'tidings.example' },
  postalAddress: '1 Example Street, Springfield',
};

/** A parsed configuration: the common test settings with the test's own (editions, SES, ...). */
export function testSettings(settings: Record<string, unknown>): TidingsConfig {
  return parseConfig({ ...COMMON, ...settings });
}
