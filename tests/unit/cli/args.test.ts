import { describe, expect, it } from 'vitest';
import { parseCommand, parseInvocation } from '../../../cli/args.js';
import { COMMAND_SPECS } from '../../../cli/command-specs.js';
import { editionList, UsageError } from '../../../cli/context.js';

describe('parseInvocation', () => {
  it('takes --stage before or after the command name, and from TIDINGS_STAGE', () => {
    expect(parseInvocation(['--stage', 'prod', 'status', '--issue', 'x'])).toEqual({
      command: ['status'],
      args: ['--issue', 'x'],
      stage: 'prod',
      help: false,
    });
    expect(parseInvocation(['status', '--stage=prod']).stage).toBe('prod');
    expect(parseInvocation(['status'], { TIDINGS_STAGE: 'dev' }).stage).toBe('dev');
    expect(parseInvocation(['status', '--stage', 'prod'], { TIDINGS_STAGE: 'dev' }).stage).toBe('prod');
    expect(parseInvocation(['status'], { TIDINGS_STAGE: '' }).stage).toBeUndefined();
  });

  it.each([
    ['upper case', 'Prod'],
    ['a leading digit', '1prod'],
    ['a path', '../prod'],
    ['seventeen characters', 'a'.repeat(17)],
  ])('refuses a stage name with %s as bad usage', (_what, stage) => {
    expect(() => parseInvocation(['status', '--stage', stage])).toThrow(/is not a stage name/);
    expect(() => parseInvocation(['status'], { TIDINGS_STAGE: stage })).toThrow(UsageError);
  });

  it('answers help whatever the stage', () => {
    expect(parseInvocation(['status', '--help'], { TIDINGS_STAGE: 'Prod' })).toMatchObject({ help: true });
  });

  it('refuses --stage without a name', () => {
    expect(() => parseInvocation(['status', '--stage'])).toThrow(/--stage needs a stage name/);
    expect(() => parseInvocation(['--stage', '--help'])).toThrow(/--stage needs a stage name/);
  });

  it('reads --help, -h and help <command> anywhere before --', () => {
    expect(parseInvocation(['--help'])).toMatchObject({ command: [], help: true });
    expect(parseInvocation(['status', '-h'])).toMatchObject({ command: ['status'], help: true });
    expect(parseInvocation(['help', 'subscribers', 'add'])).toMatchObject({
      command: ['subscribers', 'add'],
      help: true,
    });
    expect(parseInvocation(['subscribers', 'add', 'a@example.com', '--help'])).toMatchObject({
      command: ['subscribers', 'add'],
      help: true,
    });
    expect(parseInvocation(['subscribers', 'help'])).toMatchObject({ command: ['subscribers'], help: true });
    expect(parseInvocation(['subscribers', 'help', 'add'])).toMatchObject({
      command: ['subscribers', 'add'],
      help: true,
    });
    expect(parseInvocation(['briefs', 'retract', '--', '--help'])).toMatchObject({
      command: ['briefs'],
      args: ['retract', '--', '--help'],
      help: false,
    });
  });

  it('suggests the nearest command, subcommand and global option', () => {
    expect(() => parseInvocation(['stauts'])).toThrow('unknown command "stauts"; did you mean "status"?');
    expect(() => parseInvocation(['help', 'sttus'])).toThrow(/did you mean "status"\?/);
    expect(() => parseInvocation(['subscribers', 'lsit'])).toThrow(
      'unknown subcommand "subscribers lsit"; did you mean "subscribers list"?',
    );
    expect(() => parseInvocation(['--stag', 'x', 'status'])).toThrow(/did you mean --stage\?/);
  });

  it('suggests nothing for a word near no command', () => {
    expect(() => parseInvocation(['launch'])).toThrow(/^unknown command "launch" \(see "tidings --help"\)$/);
  });
});

describe('parseCommand', () => {
  it('returns typed values with defaults and the positionals', () => {
    const { values, positionals } = parseCommand(COMMAND_SPECS.resend, ['dc-2026-11-30', '--to', 'a@b.org']);
    expect(values).toEqual({ to: 'a@b.org' });
    expect(positionals).toEqual(['dc-2026-11-30']);
    expect(parseCommand(COMMAND_SPECS.digest, ['--edition', 'dc', '--edition', 'sg']).values).toEqual({
      edition: ['dc', 'sg'],
      'dry-run': false,
    });
  });

  it('suggests the nearest option for an unknown one', () => {
    expect(() => parseCommand(COMMAND_SPECS.status, ['--recipeints'])).toThrow(
      'unknown option --recipeints; did you mean --recipients? (see "tidings status --help")',
    );
    expect(() => parseCommand(COMMAND_SPECS.digest, ['--edtion', 'dc'])).toThrow(/did you mean --edition\?/);
    expect(() => parseCommand(COMMAND_SPECS.status, ['--everything'])).toThrow(
      /^unknown option --everything \(see/,
    );
  });

  it('names a missing value, option or positional, and an argument too many, with the usage', () => {
    expect(() => parseCommand(COMMAND_SPECS.status, ['--issue'])).toThrow(
      '--issue needs a value: --issue ID',
    );
    expect(() => parseCommand(COMMAND_SPECS.dev, ['--reset=yes'])).toThrow('--reset takes no value');
    expect(() => parseCommand(COMMAND_SPECS.digest, [])).toThrow(
      'missing --edition E; usage: tidings digest --edition E [--dry-run] [--to EMAIL]',
    );
    expect(() => parseCommand(COMMAND_SPECS.approve, [])).toThrow(
      /^missing <issue-id>; usage: tidings approve/,
    );
    expect(() => parseCommand(COMMAND_SPECS.approve, ['a', 'b'])).toThrow(/^unexpected argument "b"; usage:/);
  });

  it('throws usage errors, which exit 2', () => {
    expect(() => parseCommand(COMMAND_SPECS.run, ['--twice'])).toThrow(UsageError);
  });
});

describe('editionList', () => {
  const config = { editions: [{ id: 'dc' }, { id: 'bxl' }, { id: 'sg' }] } as Parameters<
    typeof editionList
  >[1];

  it('splits repeated and comma-separated editions', () => {
    expect(editionList(['dc,sg', 'dc'], config)).toEqual(['dc', 'sg']);
  });

  it('suggests the nearest configured edition for an unknown one', () => {
    expect(() => editionList(['bx1'], config)).toThrow(
      'unknown edition "bx1"; did you mean "bxl"? (configured: dc, bxl, sg)',
    );
    expect(() => editionList(['paris'], config)).toThrow(
      /^unknown edition "paris"; configured: dc, bxl, sg$/,
    );
  });
});
