import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TidingsStacks } from '../../infra/build-app.js';
import { PROJECT_ROOT } from '../../infra/constructs/tidings-function.js';
import { configSchemas } from '../../lambdas/core/config.js';
import {
  type Acknowledgement,
  acknowledgements,
  actionsOf,
  buildTestApp,
  resourcesOf,
  resourcesOfType,
  roleStatements,
} from './support.js';

const deployingGuide = readFileSync(join(PROJECT_ROOT, 'docs', 'deploying.md'), 'utf8');
/** The guide's table rows as trimmed cells, so column padding by the formatter does not matter. */
const tableRows = deployingGuide
  .split('\n')
  .filter((line) => line.startsWith('|'))
  .map((line) =>
    line
      .slice(1, line.trimEnd().endsWith('|') ? line.trimEnd().length - 1 : undefined)
      .split('|')
      .map((cell) => cell.trim()),
  );

/** Dotted keys of a zod schema, arrays written `key[]`, e.g. `editions[].timeZone`. */
function schemaKeys(schema: unknown, prefix = ''): string[] {
  const def = (schema as { _zod: { def: Record<string, unknown> } })._zod.def;
  switch (def.type) {
    case 'default':
    case 'optional':
    case 'nullable':
      return schemaKeys(def.innerType, prefix);
    case 'pipe':
      return schemaKeys(def.in, prefix);
    case 'array':
      return schemaKeys(def.element, `${prefix}[]`);
    case 'object':
      return Object.entries(def.shape as Record<string, unknown>).flatMap(([key, value]) => {
        const path = prefix ? `${prefix}.${key}` : key;
        const inner = schemaKeys(value, path);
        return inner.length > 0 ? inner : [path];
      });
    default:
      return [];
  }
}

describe('cdk-nag acknowledgements', () => {
  let stacks: TidingsStacks;
  let recorded: Acknowledgement[];

  beforeAll(() => {
    stacks = buildTestApp();
    recorded = [stacks.data, stacks.pipeline, stacks.api, stacks.monitoring].flatMap((stack) =>
      acknowledgements(stack, 'dev'),
    );
  });

  it('each answers a finding that would otherwise be reported', () => {
    const unacknowledged = new AwsSolutionsChecks();
    // Judge every rule as if nothing were acknowledged, to see which acknowledgements still matter.
    Object.assign(unacknowledged, { isAcknowledged: () => false });
    const findings = [stacks.data, stacks.pipeline, stacks.api, stacks.monitoring].flatMap((stack) =>
      unacknowledged.validateScope(stack).violations.flatMap((violation) =>
        violation.violatingResources.map((resource) => ({
          rule: violation.ruleName,
          path: (resource.constructPath ?? '').replace('Tidings-dev-', 'Tidings-<stage>-'),
        })),
      ),
    );
    for (const acknowledgement of recorded) {
      const answered = findings.some(
        (finding) =>
          finding.rule === acknowledgement.rule &&
          (finding.path === acknowledgement.path || finding.path.startsWith(`${acknowledgement.path}/`)),
      );
      expect(answered, `${acknowledgement.rule} on ${acknowledgement.path} answers no finding`).toBe(true);
    }
  });

  it('are all listed in the deploying guide with their resource and reason', () => {
    expect(recorded.length).toBeGreaterThan(0);
    for (const { rule, path, reason } of recorded) {
      const row = [`\`${rule}\``, `\`${path}\``, reason];
      expect(tableRows, `${rule} on ${path}`).toContainEqual(row);
    }
    const documentedRows = tableRows.filter((cells) => cells[0]?.startsWith('`AwsSolutions-'));
    expect(documentedRows).toHaveLength(recorded.length);
  });

  it('use "*" resources only for the X-Ray actions they name', () => {
    const templates = [stacks.pipeline, stacks.api].map((stack) => Template.fromStack(stack));
    for (const template of templates) {
      for (const [roleId] of resourcesOfType(template, 'AWS::IAM::Role')) {
        for (const statement of roleStatements(template, roleId)) {
          if (resourcesOf(statement).includes('*')) {
            expect(actionsOf(statement).sort()).toEqual([
              'xray:PutTelemetryRecords',
              'xray:PutTraceSegments',
            ]);
          }
        }
      }
    }
  });
});

describe('the deploying guide', () => {
  it('documents every setting of the configuration schema', () => {
    const keys = schemaKeys(configSchemas().config);
    expect(keys).toContain('editions[].timeZone');
    for (const key of keys)
      expect(
        tableRows.some((cells) => cells[0] === `\`${key}\``),
        `setting ${key} is not documented`,
      ).toBe(true);
  });
});
