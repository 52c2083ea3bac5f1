import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type AppProps, type Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll } from 'vitest';
import { buildStacks, type TidingsStacks } from '../../infra/build-app.js';
import { PROJECT_ROOT } from '../../infra/constructs/tidings-function.js';

const outdirs: string[] = [];
// Registered when a test file imports this module, so it runs once that file's tests are done.
afterAll(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * An app whose cloud assembly goes to a folder of its own, removed after the test file. Without
 * an outdir every `new App()` makes a `cdk.out…` folder in the temporary directory and leaves it.
 */
export function testApp(props: AppProps = {}): App {
  const outdir = mkdtempSync(join(tmpdir(), 'tidings-cdk-'));
  outdirs.push(outdir);
  // CDK's built-in CloudFormation schema validation costs seconds per synth; the bundling test
  // runs it once over the whole app.
  return new App({ builtinCloudFormationValidation: false, ...props, outdir });
}

/** The per-stage overrides from cdk.json (`tidingsStages`). */
export function projectStages(): Record<string, Record<string, unknown>> {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: { tidingsStages: Record<string, Record<string, unknown>> };
  };
  return structuredClone(cdkJson.context.tidingsStages);
}

/** The `tidings` settings from cdk.json, as a deployer would have them. */
export function projectSettings(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: { tidings: Record<string, unknown> };
  };
  return structuredClone(cdkJson.context.tidings);
}

/**
 * A fresh app with all four stacks, built from `settings` (default: cdk.json's) and further
 * context (`stage`, `tidingsStages`), for an explicit account and region. Asset bundling is
 * skipped, as `cdk` does for stacks it is not deploying.
 */
export function buildTestApp(
  settings: Record<string, unknown> = projectSettings(),
  context: Record<string, unknown> = {},
): TidingsStacks {
  const app = testApp({
    context: { tidings: settings, 'aws:cdk:bundling-stacks': [], ...context },
  });
  return buildStacks(app, { env: { account: '123456789012', region: 'eu-west-1' } });
}

/** Overrides of a stage fit to deploy: real-looking domains, an https source, an alarm address. */
export const PROD_OVERRIDES = {
  baseUrl: 'https://news.tidings-media.eu',
  sender: { address: 'digest@news.tidings-media.eu', name: 'Tidings', domain: 'news.tidings-media.eu' },
  alarmEmail: 'ops@tidings-media.eu',
  sources: [{ id: 'desk', location: 'https://desk.tidings-media.eu/briefs.json', format: 'tidings' }],
};

/** The app of a stage other than dev, from cdk.json's settings and these overrides. */
export function buildStageApp(
  stage: string,
  overrides: Record<string, unknown> = PROD_OVERRIDES,
): TidingsStacks {
  return buildTestApp(projectSettings(), { stage, tidingsStages: { [stage]: overrides } });
}

export interface NagFinding {
  rule: string;
  path: string;
}

/** AwsSolutions findings left after acknowledgements (errors and warnings alike). */
export function nagFindings(stack: Stack): NagFinding[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => ({
      rule: violation.ruleName,
      path: resource.constructPath ?? resource.resourceLogicalId ?? 'unknown',
    })),
  );
}

export interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Metadata?: Record<string, unknown>;
}

/** The template's resources of one type, by logical id. */
export function resourcesOfType(template: Template, type: string): [string, CfnResource][] {
  return Object.entries(template.findResources(type) as Record<string, CfnResource>);
}

/** The alarm with that physical name. */
export function alarmNamedIn(template: Template, name: string): CfnResource {
  const found = resourcesOfType(template, 'AWS::CloudWatch::Alarm').find(
    ([, alarm]) => alarm.Properties.AlarmName === name,
  );
  if (!found) throw new Error(`no alarm named ${name}`);
  return found[1];
}

/** Environment variables of the function with that physical name. */
export function functionEnvironment(template: Template, functionName: string): Record<string, unknown> {
  const found = resourcesOfType(template, 'AWS::Lambda::Function').find(
    ([, resource]) => resource.Properties.FunctionName === functionName,
  );
  if (!found) throw new Error(`no function named ${functionName}`);
  const environment = found[1].Properties.Environment as { Variables: Record<string, unknown> };
  return environment.Variables;
}

export interface PolicyStatementJson {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** Every Allow statement of the inline policies attached to the role with that logical-id prefix. */
export function roleStatements(template: Template, roleIdPrefix: string): PolicyStatementJson[] {
  return resourcesOfType(template, 'AWS::IAM::Policy')
    .filter(([, policy]) =>
      (policy.Properties.Roles as { Ref?: string }[]).some((role) => role.Ref?.startsWith(roleIdPrefix)),
    )
    .flatMap(
      ([, policy]) => (policy.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement,
    )
    .filter((statement) => statement.Effect === 'Allow');
}

export const actionsOf = (statement: PolicyStatementJson): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

export const resourcesOf = (statement: PolicyStatementJson): unknown[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];

const TABLE_LOGICAL_NAMES: Record<string, string> = {
  BriefsTable: 'briefs',
  SubscribersTable: 'subscribers',
  IssuesTable: 'issues',
  LedgerTable: 'ledger',
};

/**
 * What a role may do with the tables, as sorted `table[/index]:read|write` entries, e.g.
 * `subscribers/activeByEdition:read`. Resources are recognised by the data stack's logical ids.
 */
export function tableAccess(statements: PolicyStatementJson[]): string[] {
  const access = new Set<string>();
  for (const statement of statements) {
    const actions = actionsOf(statement);
    if (!actions.some((action) => action.startsWith('dynamodb:'))) continue;
    const level = actions.includes('dynamodb:PutItem') ? 'write' : 'read';
    for (const resource of resourcesOf(statement)) {
      const text = JSON.stringify(resource);
      const table = Object.entries(TABLE_LOGICAL_NAMES).find(([logical]) => text.includes(logical))?.[1];
      if (!table) throw new Error(`unrecognised table resource ${text}`);
      const index = /\/index\/([A-Za-z0-9*]+)/.exec(text)?.[1];
      access.add(`${table}${index ? `/${index}` : ''}:${level}`);
    }
  }
  return [...access].sort();
}

/**
 * Asserts no environment variable of any function in the template carries a secret: only the
 * secret's ARN may be handed over, as a reference, and no value looks like key material.
 */
export function secretLookingEnvironment(template: Template): string[] {
  const problems: string[] = [];
  for (const [id, fn] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const variables = (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables;
    for (const [name, value] of Object.entries(variables ?? {})) {
      if (name === 'TOKEN_SECRET_ARN') {
        if (typeof value === 'string') problems.push(`${id}.${name} is a literal, not a reference`);
        continue;
      }
      if (/SECRET|PASSWORD|PRIVATE|API_KEY/i.test(name))
        problems.push(`${id}.${name} is named like a secret`);
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      if (text.includes('{{resolve:')) problems.push(`${id}.${name} resolves a secret into the environment`);
      // References (Ref, Fn::ImportValue) are resolved by CloudFormation; literals are what could leak.
      if (typeof value === 'string' && /[A-Za-z0-9+/=_-]{32,}/.test(value)) {
        problems.push(`${id}.${name} holds a long random-looking string`);
      }
    }
  }
  return problems;
}

export interface Acknowledgement {
  rule: string;
  /** Construct path with the stage written as `<stage>`, as the deploying guide (docs/deploying.md) lists it. */
  path: string;
  reason: string;
}

/** Every cdk-nag acknowledgement recorded on the constructs under `scope`. */
export function acknowledgements(scope: IConstruct, stage: string): Acknowledgement[] {
  const found: Acknowledgement[] = [];
  const visit = (construct: IConstruct): void => {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({
          rule: id.replace(/^annotation::/i, ''),
          path: construct.node.path.replace(`Tidings-${stage}-`, 'Tidings-<stage>-'),
          reason,
        });
      }
    }
    for (const child of construct.node.children) visit(child);
  };
  visit(scope);
  return found;
}

/** Warnings and errors CDK itself attached to the stack's constructs (deprecations, misconfigurations). */
export function cdkAnnotations(stack: Stack): string[] {
  const annotations = Annotations.fromStack(stack);
  return [
    ...annotations.findError('*', Match.anyValue()),
    ...annotations.findWarning('*', Match.anyValue()),
  ].map((message) => `${message.id}: ${String(message.entry.data)}`);
}
