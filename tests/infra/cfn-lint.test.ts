import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/constructs/tidings-function.js';
import { buildStageApp, buildTestApp } from './support.js';

const run = promisify(execFile);

/** The lowest cfn-lint whose rules and output this test was written against. */
const MINIMUM_VERSION = [1, 51, 0];
const INSTALL = 'pip install cfn-lint';

/**
 * Rules ignored for every template, each with its reason; docs/deploying.md lists the same
 * (a test below keeps the two in step). Errors are never ignored.
 */
const IGNORED_RULES: Readonly<Record<string, string>> = {
  W3005:
    "CDK writes a DependsOn on each function's role and policy beside the reference to the role, so the policy exists before the function runs; the repeated dependency is harmless.",
  W6001:
    "The pipeline stack repeats the data stack's table and secret names as outputs of its own, so the operator CLI reads one stack's outputs for a stage.",
};

interface Finding {
  Rule: { Id: string };
  Level: string;
  Message: string;
  Filename: string;
  Location: { Path?: unknown[] };
}

async function cfnLintVersion(): Promise<number[] | undefined> {
  try {
    const { stdout } = await run('cfn-lint', ['--version']);
    return /(\d+)\.(\d+)\.(\d+)/.exec(stdout)?.slice(1).map(Number);
  } catch {
    return undefined;
  }
}

const atLeast = (version: number[], minimum: number[]): boolean => {
  for (let i = 0; i < minimum.length; i += 1) {
    if ((version[i] ?? 0) !== (minimum[i] ?? 0)) return (version[i] ?? 0) > (minimum[i] ?? 0);
  }
  return true;
};

const version = await cfnLintVersion();
const usable = version !== undefined && atLeast(version, MINIMUM_VERSION);
if (!usable && process.env.CI === 'true') {
  throw new Error(
    `cfn-lint ${MINIMUM_VERSION.join('.')} or later is required under CI (found ${version?.join('.') ?? 'none'}): ${INSTALL}`,
  );
}
if (!usable) console.warn(`skipping cfn-lint: ${INSTALL} (${MINIMUM_VERSION.join('.')} or later)`);

/** The template files of an app's cloud assembly. */
function templatesOf(outdir: string): string[] {
  return readdirSync(outdir)
    .filter((name) => name.endsWith('.template.json'))
    .map((name) => join(outdir, name));
}

describe.skipIf(!usable)('cfn-lint', () => {
  let templates: string[];
  let findings: Finding[];

  beforeAll(async () => {
    // Every stack of a dev stage and of a stage fit for production.
    templates = [buildTestApp(), buildStageApp('prod')].flatMap(({ data }) => {
      const assembly = data.node.root as unknown as { synth(): { directory: string } };
      return templatesOf(assembly.synth().directory);
    });
    const ignored = Object.keys(IGNORED_RULES);
    const args = [
      '--format',
      'json',
      ...(ignored.length ? ['--ignore-checks', ...ignored] : []),
      '--',
      ...templates,
    ];
    // cfn-lint exits non-zero when it finds anything; the findings are still on stdout.
    const stdout = await run('cfn-lint', args, { maxBuffer: 64 * 1024 * 1024 }).then(
      (result) => result.stdout,
      (error: { stdout?: string }) => error.stdout ?? '',
    );
    findings = stdout.trim() ? (JSON.parse(stdout) as Finding[]) : [];
  }, 180_000);

  it('lints every stack template of a dev and a production stage', () => {
    expect(templates.map((path) => path.replace(/^.*\//, '')).sort()).toEqual(
      ['Api', 'Data', 'Monitoring', 'Pipeline']
        .flatMap((part) => [`Tidings-dev-${part}.template.json`, `Tidings-prod-${part}.template.json`])
        .sort(),
    );
  });

  it('finds no error in any of them', () => {
    const errors = findings
      .filter((finding) => finding.Level === 'Error')
      .map(
        (f) =>
          `${f.Rule.Id} ${f.Filename.replace(/^.*\//, '')} ${JSON.stringify(f.Location.Path)}: ${f.Message}`,
      );
    expect(errors).toEqual([]);
  });

  it('finds no warning outside the ignored rules either', () => {
    const warnings = findings
      .filter((finding) => finding.Level !== 'Error')
      .map((f) => `${f.Rule.Id} ${f.Filename.replace(/^.*\//, '')}: ${f.Message}`);
    expect(warnings).toEqual([]);
  });

  it('ignores exactly the rules the deploying guide lists, with the same reasons', () => {
    const guide = readFileSync(join(PROJECT_ROOT, 'docs', 'deploying.md'), 'utf8');
    const section = guide.slice(guide.indexOf('## cfn-lint'));
    const rows = section
      .split('\n')
      .filter((line) => /^\| `[EWI]\d+`/.test(line))
      .map((line) => line.split('|').map((cell) => cell.trim()));
    expect(Object.fromEntries(rows.map((cells) => [cells[1]?.replaceAll('`', ''), cells[2]]))).toEqual(
      IGNORED_RULES,
    );
  });
});
