import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  COMMAND_SPECS,
  type CommandGroupSpec,
  type CommandSpec,
  isGroup,
} from '../../../cli/command-specs.js';
import { commandHelp, overviewHelp, synopsis } from '../../../cli/help.js';

const specs = Object.values(COMMAND_SPECS) as Array<CommandSpec | CommandGroupSpec>;
const leaves: CommandSpec[] = specs.flatMap((s) => (isGroup(s) ? Object.values(s.subcommands) : [s]));

describe('the command specs', () => {
  it('cover every command file, and every spec has one', () => {
    const files = readdirSync('cli/commands')
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(Object.keys(COMMAND_SPECS).sort()).toEqual(files);
  });

  it('give every command a summary and an example that runs it', () => {
    for (const spec of leaves) {
      expect(spec.summary, spec.name).not.toBe('');
      for (const example of spec.examples) expect(example, spec.name).toMatch(`tidings ${spec.name}`);
    }
  });
});

describe('help', () => {
  it('lists every command in the overview', () => {
    const text = overviewHelp();
    for (const spec of leaves) expect(text).toMatch(new RegExp(`^  ${spec.name} +\\S`, 'm'));
    expect(text).toMatch(/--stage STAGE/);
  });

  it.each(leaves.map((s) => [s.name, s] as const))(
    'of %s shows its usage, every option and an example',
    (name, spec) => {
      const text = commandHelp(name.split(' ')) ?? '';
      expect(text).toContain(`Usage: ${synopsis(spec)}`);
      for (const [option, o] of Object.entries(spec.options)) {
        expect(text).toMatch(new RegExp(`^  --${option}\\b.*  ${escapeRegExp(o.description)}$`, 'm'));
      }
      for (const p of spec.positionals ?? []) expect(text).toContain(`<${p.name}>`);
      expect(text).toContain(spec.examples[0]);
      expect(text).toMatch(/^ {2}--stage STAGE/m);
    },
  );

  it('of a group shows every subcommand', () => {
    const text = commandHelp(['subscribers']) ?? '';
    for (const sub of Object.values(COMMAND_SPECS.subscribers.subcommands)) {
      expect(text).toContain(`Usage: ${synopsis(sub)}`);
    }
  });

  it('is undefined for a name that is no command', () => {
    expect(commandHelp(['launch'])).toBeUndefined();
    expect(commandHelp(['subscribers', 'launch'])).toBeUndefined();
  });

  it('writes a synopsis with required options bare and optional ones bracketed', () => {
    const spec: CommandSpec = {
      name: 'send',
      summary: 'send',
      positionals: [
        { name: 'issue-id', required: true, description: 'the issue' },
        { name: 'note', description: 'a note' },
      ],
      options: {
        to: { type: 'string', required: true, value: 'EMAIL', description: 'to' },
        'dry-run': { type: 'boolean', description: 'dry' },
        edition: { type: 'string', multiple: true, value: 'E', description: 'editions' },
      },
      examples: ['tidings send x --to a@b.org'],
    };
    expect(synopsis(spec)).toBe('tidings send <issue-id> [<note>] --to EMAIL [--dry-run] [--edition E]');
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
