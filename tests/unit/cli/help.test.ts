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
    const text = overviewHelp(Number.POSITIVE_INFINITY);
    for (const spec of leaves) expect(text).toMatch(new RegExp(`^  ${spec.name} +\\S`, 'm'));
    expect(text).toMatch(/--stage STAGE/);
  });

  it.each(leaves.map((s) => [s.name, s] as const))(
    'of %s shows its usage, every option and an example',
    (name, spec) => {
      const text = commandHelp(name.split(' '), Number.POSITIVE_INFINITY) ?? '';
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

  it('wraps every line to the width asked for, continuing a description under itself', () => {
    for (const width of [60, 80]) {
      const texts = [overviewHelp(width), ...leaves.map((s) => commandHelp(s.name.split(' '), width) ?? '')];
      for (const line of texts.join('\n').split('\n')) {
        // Usage lines and examples are command lines to copy: they stay whole.
        if (!/^(Usage: | {2}tidings )/.test(line)) expect(line.length, line).toBeLessThanOrEqual(width);
      }
    }
    const lines = overviewHelp(60).split('\n');
    const at = lines.findIndex((l) => l.startsWith('  dev '));
    const column = lines[at]?.indexOf(COMMAND_SPECS.dev.summary.slice(0, 10)) ?? -1;
    expect(column).toBeGreaterThan(0);
    expect(lines[at + 1]).toMatch(new RegExp(`^ {${column}}\\S`));
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
