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

/** Rows of two columns, the first padded to the widest. */
function columns(rows: ReadonlyArray<readonly [string, string]>, indent = '  '): string[] {
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `${indent}${left.padEnd(width)}  ${right}`.trimEnd());
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

function globalOptionRows(): Array<readonly [string, string]> {
  return Object.entries(GLOBAL_OPTIONS).map(([name, o]) => [optionLabel(name, o), o.description] as const);
}

function commandSection(spec: CommandSpec): string[] {
  const about = [sentence(spec.summary), ...(spec.description ? [spec.description] : [])].join(' ');
  const lines = [`Usage: ${synopsis(spec)}`, '', ...wrap(about)];
  if (spec.positionals?.length) {
    lines.push('', 'Arguments:', ...columns(spec.positionals.map((p) => [`<${p.name}>`, p.description])));
  }
  const options = Object.entries(spec.options);
  if (options.length > 0) {
    lines.push('', 'Options:', ...columns(options.map(([name, o]) => [optionLabel(name, o), o.description])));
  }
  lines.push('', spec.examples.length > 1 ? 'Examples:' : 'Example:', ...spec.examples.map((e) => `  ${e}`));
  return lines;
}

/** A paragraph cut into lines of at most `width` characters at spaces. */
function wrap(text: string, width = 80): string[] {
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

function groupHelp(group: CommandGroupSpec): string[] {
  const subcommands = Object.values(group.subcommands);
  const lines = [
    `Usage: tidings ${group.name} <subcommand> [options]`,
    '',
    ...wrap(sentence(group.summary)),
    '',
    'Subcommands:',
    ...columns(subcommands.map((s) => [s.name, s.summary])),
  ];
  for (const spec of subcommands) lines.push('', '──', '', ...commandSection(spec));
  return lines;
}

/** Every command with its summary, and how to get more. */
export function overviewHelp(): string {
  const rows: Array<readonly [string, string]> = [];
  for (const spec of Object.values(COMMAND_SPECS) as Array<CommandSpec | CommandGroupSpec>) {
    if (isGroup(spec)) for (const sub of Object.values(spec.subcommands)) rows.push([sub.name, sub.summary]);
    else rows.push([spec.name, spec.summary]);
  }
  return [
    'Usage: tidings <command> [options]',
    '',
    'The operator’s command line of Tidings: the local stack, ingestion, issues, readers.',
    '',
    'Commands:',
    ...columns(rows),
    '',
    'Global options (before or after the command):',
    ...columns(globalOptionRows()),
    '',
    'Run "tidings <command> --help" or "tidings help <command>" for its options and an example.',
    'Exit codes: 0 done, 1 the operation failed, 2 bad usage or input.',
  ].join('\n');
}

/**
 * The help of a command (`['status']`), a group (`['subscribers']`, every subcommand) or a
 * subcommand (`['subscribers', 'add']`); the overview for an empty path. Undefined for a name
 * that is not a command.
 */
export function commandHelp(path: readonly string[]): string | undefined {
  const [name, sub] = path;
  if (name === undefined) return overviewHelp();
  const spec = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!spec) return undefined;
  let lines: string[];
  if (isGroup(spec)) {
    const one = sub !== undefined && Object.hasOwn(spec.subcommands, sub) ? spec.subcommands[sub] : undefined;
    if (sub !== undefined && !one) return undefined;
    lines = one ? commandSection(one) : groupHelp(spec);
  } else {
    lines = commandSection(spec);
  }
  return [...lines, '', 'Global options:', ...columns(globalOptionRows())].join('\n');
}
