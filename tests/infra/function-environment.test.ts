import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_NAMES } from '../../infra/constructs/tidings-function.js';
import { buildTestApp, projectSettings, resourcesOfType } from './support.js';

/** Lambda refuses a function whose environment variables, names and values together, pass 4 KB. */
const LAMBDA_ENVIRONMENT_LIMIT = 4096;
/** What a reference (a table name, queue URL or secret ARN) may resolve to, at most. */
const RESOLVED_REFERENCE_BYTES = 256;

/** A large publication: 20 editions and 200 https sources spread over them. */
function largeSettings(): Record<string, unknown> {
  const editions = Array.from({ length: 20 }, (_, index) => ({
    id: `edition-${index + 1}`,
    name: `Edition ${index + 1}`,
    timeZone: 'Europe/Brussels',
    sendTime: '07:00',
    description: 'A regional edition with a description of ordinary length for its sign-up page',
  }));
  const sources = Array.from({ length: 200 }, (_, index) => ({
    id: `source-${index + 1}`,
    name: `News Source Number ${index + 1}`,
    location: `https://feeds.news-source-${index + 1}.example.org/world/rss.xml`,
    format: 'rss',
    editions: [editions[index % editions.length]?.id],
  }));
  return { ...projectSettings(), editions, sources };
}

/** Bytes of a function's environment once CloudFormation has resolved its references. */
function environmentBytes(variables: Record<string, unknown>): number {
  return Object.entries(variables).reduce(
    (total, [name, value]) =>
      total +
      Buffer.byteLength(name) +
      (typeof value === 'string' ? Buffer.byteLength(value) : RESOLVED_REFERENCE_BYTES),
    0,
  );
}

describe('function environments', () => {
  let sizes: Record<string, number>;

  beforeAll(() => {
    const stacks = buildTestApp(largeSettings());
    sizes = {};
    for (const stack of [stacks.pipeline, stacks.api]) {
      for (const [, fn] of resourcesOfType(Template.fromStack(stack), 'AWS::Lambda::Function')) {
        // The Tidings functions; CDK's custom resource provider carries no environment.
        if (!String(fn.Properties.FunctionName).startsWith('tidings-')) continue;
        const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
        sizes[String(fn.Properties.FunctionName)] = environmentBytes(variables);
      }
    }
    console.log('environment bytes with 200 sources and 20 editions:', sizes);
  });

  it('stay under 4 KB each with 200 sources and 20 editions: the configuration is in the bundle', () => {
    expect(Object.keys(sizes).sort()).toEqual(FUNCTION_NAMES.map((name) => `tidings-dev-${name}`).sort());
    for (const [name, bytes] of Object.entries(sizes)) {
      expect(bytes, name).toBeLessThan(LAMBDA_ENVIRONMENT_LIMIT);
    }
  });
});
