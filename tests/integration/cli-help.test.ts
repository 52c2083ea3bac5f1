import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { COMMAND_SPECS, type CommandGroupSpec, type CommandSpec, isGroup } from '../../cli/command-specs.js';
import { main } from '../../cli/main.js';

const run = promisify(execFile);

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real `tidings` in a process of its own. */
async function tidings(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['cli/bin.js', ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as Outcome;
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

/** `main` in this process, with what it writes to stdout and stderr. */
async function inProcess(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => stdout.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => stderr.push(String(chunk)) > 0);
  try {
    const code = await main(args, {
      ...process.env,
      TIDINGS_CONFIG_FILE: join(tmpdir(), 'no-such-cdk.json'),
      ...env,
    });
    return { code, stdout: stdout.join(''), stderr: stderr.join('') };
  } finally {
    vi.restoreAllMocks();
  }
}

const specs = Object.values(COMMAND_SPECS) as Array<CommandSpec | CommandGroupSpec>;
const leaves = specs.flatMap((s) => (isGroup(s) ? Object.values(s.subcommands) : [s]));

describe('tidings --help', () => {
  afterEach(() => vi.restoreAllMocks());

  it('lists every command and exits 0', async () => {
    const outcome = await tidings(['--help']);
    expect(outcome.code).toBe(0);
    expect(outcome.stderr).toBe('');
    for (const spec of leaves) expect(outcome.stdout).toContain(`  ${spec.name} `);
  });

  it('answers "<command> --help" and "help <command>" alike, with options and an example, exit 0', async () => {
    const flag = await tidings(['status', '--help']);
    const word = await tidings(['help', 'status']);
    expect(flag.code).toBe(0);
    expect(word).toEqual(flag);
    expect(flag.stdout).toMatch(/^Usage: tidings status \[--issue ID\] \[--recipients\]$/m);
    expect(flag.stdout).toMatch(/^ {2}--recipients +with --issue: one line per recipient/m);
    expect(flag.stdout).toMatch(/^Examples:\n {2}tidings status\n/m);
  });

  // Help is answered before the configuration is read: the file named here does not exist.
  it.each(leaves.map((s) => [s.name] as const))('prints the help of %s, exit 0', async (name) => {
    const words = name.split(' ');
    for (const args of [
      [...words, '--help'],
      ['help', ...words],
      ['-h', ...words],
    ]) {
      const outcome = await inProcess(args);
      expect(outcome, args.join(' ')).toMatchObject({ code: 0, stderr: '' });
      expect(outcome.stdout).toContain(`Usage: tidings ${name}`);
      expect(outcome.stdout).toMatch(/^Examples?:$/m);
    }
  });

  it('prints every subcommand for a group', async () => {
    const outcome = await inProcess(['briefs', '--help']);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain('Usage: tidings briefs list');
    expect(outcome.stdout).toContain('Usage: tidings briefs retract <id>');
  });
});

describe('did you mean', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidings-help-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('suggests the command for a mistyped one, exit 2, one line', async () => {
    const outcome = await tidings(['stauts']);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toBe(
      'tidings: unknown command "stauts"; did you mean "status"? (see "tidings --help")\n',
    );
    expect(outcome.stdout).toBe('');
  });

  it('suggests the option for a mistyped flag, exit 2, one line', async () => {
    const outcome = await tidings(['status', '--recipeints'], { TIDINGS_HOME: join(dir, 'home') });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toBe(
      'tidings status: unknown option --recipeints; did you mean --recipients? (see "tidings status --help")\n',
    );
  });

  it('suggests the configuration key for a mistyped one, exit 2, one line', async () => {
    const shipped = JSON.parse(await readFile('cdk.json', 'utf8'));
    shipped.context.tidings.editions[0].sendtime = '07:00';
    const file = join(dir, 'cdk.json');
    await writeFile(file, JSON.stringify(shipped));
    const outcome = await tidings(['status'], { TIDINGS_CONFIG_FILE: file, TIDINGS_HOME: join(dir, 'home') });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(
      /^tidings status: invalid configuration at context\.tidings\.editions\.0: /,
    );
    expect(outcome.stderr).toMatch(/Unrecognized key: "sendtime"; did you mean "sendTime"\?/);
    expect(outcome.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a malformed stage name before anything starts, exit 2, one line', async () => {
    const outcome = await tidings(['status', '--stage', 'Prod!']);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr.trim().split('\n')).toEqual([expect.stringMatching(/"Prod!" is not a stage name/)]);
    expect((await tidings(['status'], { TIDINGS_STAGE: 'Prod!' })).code).toBe(2);
  });
});

describe('exit codes through the dispatcher, with help in place', () => {
  let home: string;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'tidings-codes-'));
  });

  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('keeps 1 for an operation that failed and 2 for bad usage', async () => {
    const shipped = { TIDINGS_CONFIG_FILE: 'cdk.json', TIDINGS_HOME: home };
    const missing = await inProcess(['status', '--issue', 'dc-1999-01-01'], shipped);
    expect(missing).toEqual({ code: 1, stdout: '', stderr: 'no issue dc-1999-01-01\n' });
    const usage = await inProcess(['approve'], shipped);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(
      /^tidings approve: missing <issue-id>; usage: tidings approve <issue-id>\n$/,
    );
    expect((await inProcess([])).code).toBe(2);
  });
});
