import {
  COMMAND_SPECS,
  COMMANDS,
  type CommandGroupSpec,
  type CommandSpec,
  GLOBAL_OPTIONS,
  isGroup,
  type OptionSpec,
} from './command-specs.js';

/**
 * The help texts, printed from the command specs (`tidings --help`, `tidings <command> --help`,
 * `tidings help <command>`), laid out as the npm and CDK CLIs lay theirs out.
 */

function optionLabel(name: string, option: OptionSpec): string {
  const short = option.short ? `-${option.short}, ` : '';
  return `${short}--${name}${option.type === 'string' ? ` ${option.value ?? 'VALUE'}` : ''}`;
}

/** Rows of two columns, the first padded to the widest, the second wrapped under itself. */
function columns(rows: ReadonlyArray<readonly [string, string]>, width: number): string[] {
  const left = Math.max(0, ...rows.map(([l]) => l.length));
  const indent = ' '.repeat(2 + left + 2);
  return rows.flatMap(([l, right]) =>
    wrap(right, Math.max(20, width - indent.length)).map((text, i) =>
      i === 0 ? `  ${l.padEnd(left)}  ${text}`.trimEnd() : `${indent}${text}`,
    ),
  );
}

/** The one-line usage of a command: `tidings resend <issue-id> --to EMAIL`. */
export function synopsis(spec: CommandSpec): string {
  const parts = [`tidings ${spec.name}`];
  for (const p of spec.positionals ?? []) parts.push(p.required ? `<${p.name}>` : `[<${p.name}>]`);
  for (const [name, option] of Object.entries(spec.options)) {
    const label = `--${name}${option.type === 'string' ? ` ${option.value ?? 'VALUE'}` : ''}`;
    parts.push(option.required ? label : `[${label}]`);
  }
  return parts.join(' ');
}

function globalOptions(width: number): string[] {
  return columns(
    Object.entries(GLOBAL_OPTIONS).map(([name, o]) => [optionLabel(name, o), o.description] as const),
    width,
  );
}

function commandSection(spec: CommandSpec, width: number): string[] {
  const about = [sentence(spec.summary), ...(spec.description ? [spec.description] : [])].join(' ');
  const lines = [`Usage: ${synopsis(spec)}`, '', ...wrap(about, width)];
  if (spec.positionals?.length) {
    lines.push(
      '',
      'Arguments:',
      ...columns(
        spec.positionals.map((p) => [`<${p.name}>`, p.description]),
        width,
      ),
    );
  }
  const options = Object.entries(spec.options);
  if (options.length > 0) {
    lines.push(
      '',
      'Options:',
      ...columns(
        options.map(([name, o]) => [optionLabel(name, o), o.description]),
        width,
      ),
    );
  }
  lines.push('', spec.examples.length > 1 ? 'Examples:' : 'Example:', ...spec.examples.map((e) => `  ${e}`));
  return lines;
}

/** A paragraph cut into lines of at most `width` characters at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** A summary as the first sentence of a paragraph. */
function sentence(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.?!]$/.test(text) ? '' : '.'}`;
}

function groupHelp(group: CommandGroupSpec, width: number): string[] {
  const subcommands = Object.values(group.subcommands);
  const lines = [
    `Usage: tidings ${group.name} <subcommand> [options]`,
    '',
    ...wrap(sentence(group.summary), width),
    '',
    'Subcommands:',
    ...columns(
      subcommands.map((s) => [s.name, s.summary]),
      width,
    ),
  ];
  for (const spec of subcommands) lines.push('', '──', '', ...commandSection(spec, width));
  return lines;
}

/** Help lines are at most this wide unless the caller knows the terminal's width. */
export const DEFAULT_HELP_WIDTH = 80;

/** Every command with its summary, and how to get more; lines of at most `width` characters. */
export function overviewHelp(width = DEFAULT_HELP_WIDTH): string {
  const rows: Array<readonly [string, string]> = [];
  for (const spec of Object.values(COMMAND_SPECS) as Array<CommandSpec | CommandGroupSpec>) {
    if (isGroup(spec)) for (const sub of Object.values(spec.subcommands)) rows.push([sub.name, sub.summary]);
    else rows.push([spec.name, spec.summary]);
  }
  return [
    'Usage: tidings <command> [options]',
    '',
    ...wrap('The operator’s command line of Tidings: the local stack, ingestion, issues, readers.', width),
    '',
    'Commands:',
    ...columns(rows, width),
    '',
    'Global options (before or after the command):',
    ...globalOptions(width),
    '',
    ...wrap(
      'Run "tidings <command> --help" or "tidings help <command>" for its options and an example. ' +
        'Exit codes: 0 done, 1 the operation failed, 2 bad usage or input.',
      width,
    ),
  ].join('\n');
}

/**
 * The help of a command (`['status']`), a group (`['subscribers']`, every subcommand) or a
 * subcommand (`['subscribers', 'add']`); the overview for an empty path. Undefined for a name
 * that is not a command.
 */
export function commandHelp(path: readonly string[], width = DEFAULT_HELP_WIDTH): string | undefined {
  const [name, sub] = path;
  if (name === undefined) return overviewHelp(width);
  const spec = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!spec) return undefined;
  let lines: string[];
  if (isGroup(spec)) {
    const one = sub !== undefined && Object.hasOwn(spec.subcommands, sub) ? spec.subcommands[sub] : undefined;
    if (sub !== undefined && !one) return undefined;
    lines = one ? commandSection(one, width) : groupHelp(spec, width);
  } else {
    lines = commandSection(spec, width);
  }
  return [...lines, '', 'Global options:', ...globalOptions(width)].join('\n');
}
