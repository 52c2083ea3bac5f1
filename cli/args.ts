import { parseArgs } from 'node:util';
import { STAGE_NAME_PATTERN, STAGE_NAME_RULE } from '../lambdas/core/stage-name.js';
import { closestMatch } from '../lambdas/core/suggest.js';
import { COMMANDS, type CommandSpec, GLOBAL_OPTIONS, isGroup, type OptionSpec } from './command-specs.js';
import { synopsis } from './help.js';
import { UsageError } from './usage-error.js';

/**
 * Argument parsing from the declarative specs of `command-specs.ts`: the same spec that `--help`
 * prints is the one the arguments are checked against, so the two cannot drift. The parser is
 * `node:util`'s `parseArgs`; this module adds the checks it lacks (required options, the number
 * of positionals) and turns its errors into one-line usage errors with a "did you mean".
 */

type ValueOf<O extends OptionSpec> = O['type'] extends 'boolean'
  ? O['multiple'] extends true
    ? boolean[]
    : boolean
  : O['multiple'] extends true
    ? string[]
    : string;

/** The parsed values of a spec's options: present when given, required or defaulted. */
export type OptionValues<T extends Readonly<Record<string, OptionSpec>>> = {
  -readonly [K in keyof T]: T[K]['default'] extends string | boolean
    ? ValueOf<T[K]>
    : T[K]['required'] extends true
      ? ValueOf<T[K]>
      : ValueOf<T[K]> | undefined;
};

export interface ParsedCommand<S extends CommandSpec> {
  values: OptionValues<S['options']>;
  positionals: string[];
}

/**
 * Parses a command's arguments (after its name, global options removed) against its spec; throws
 * {@link UsageError} for an unknown option (suggesting the nearest), a missing value, a missing
 * required option or positional, or an argument too many.
 */
export function parseCommand<const S extends CommandSpec>(
  spec: S,
  args: readonly string[],
): ParsedCommand<S> {
  const options: Record<
    string,
    { type: 'string' | 'boolean'; multiple?: boolean; short?: string; default?: string | boolean }
  > = {};
  for (const [name, option] of Object.entries(spec.options)) {
    options[name] = {
      type: option.type,
      ...(option.multiple ? { multiple: true } : {}),
      ...(option.short ? { short: option.short } : {}),
      ...(option.default !== undefined ? { default: option.default } : {}),
    };
  }
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
  } catch (error) {
    throw usageErrorOf(error, spec);
  }
  const usage = `usage: ${synopsis(spec)}`;
  for (const [name, option] of Object.entries(spec.options)) {
    if (option.required && parsed.values[name] === undefined) {
      throw new UsageError(`missing --${name}${option.value ? ` ${option.value}` : ''}; ${usage}`);
    }
  }
  const declared = spec.positionals ?? [];
  const missing = declared.find((p, i) => p.required && parsed.positionals[i] === undefined);
  if (missing) throw new UsageError(`missing <${missing.name}>; ${usage}`);
  const extra = parsed.positionals[declared.length];
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"; ${usage}`);
  return parsed as ParsedCommand<S>;
}

/** One line for a `parseArgs` error, in the words of the spec. */
function usageErrorOf(error: unknown, spec: CommandSpec): unknown {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const typed = /Unknown option '([^']+)'/.exec(message)?.[1] ?? message;
    const known = [...Object.keys(spec.options), ...Object.keys(GLOBAL_OPTIONS)].map((n) => `--${n}`);
    const near = typed.startsWith('--') ? closestMatch(typed, known) : undefined;
    return new UsageError(
      `unknown option ${typed}${near ? `; did you mean ${near}?` : ''} (see "tidings ${spec.name} --help")`,
      { cause: error },
    );
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = /Option '(?:-\w, )?--([\w-]+)/.exec(message)?.[1];
    const option = name === undefined ? undefined : spec.options[name];
    if (name && option && /argument missing|ambiguous/.test(message)) {
      return new UsageError(`--${name} needs a value: --${name} ${option.value ?? 'VALUE'}`, {
        cause: error,
      });
    }
    if (name && option && /does not take an argument/.test(message)) {
      return new UsageError(`--${name} takes no value`, { cause: error });
    }
  }
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    return new UsageError(message, { cause: error });
  }
  return error;
}

/** One invocation of `tidings`, with the global options taken out. */
export interface Invocation {
  /** The command's words: `['status']`, `['subscribers', 'add']`; empty without a command. */
  command: string[];
  /** What follows the command's words, for the command to parse. */
  args: string[];
  /** `--stage`, else `TIDINGS_STAGE`; undefined for the local stack. */
  stage: string | undefined;
  /** `--help`, `-h` or `tidings help …`: print the help of `command` (everything when empty). */
  help: boolean;
}

/**
 * Splits argv into the command, its arguments and the global options (`--stage`, `--help`), which
 * may come before or after the command's name. Throws {@link UsageError} for an unknown command
 * or subcommand (suggesting the nearest), an unknown option before the command, or a malformed
 * stage name.
 */
export function parseInvocation(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Invocation {
  const rest: string[] = [];
  let stage: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--stage') {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('-'))
        throw new UsageError('--stage needs a stage name: --stage STAGE');
      stage = value;
      i++;
    } else if (arg.startsWith('--stage=')) stage = arg.slice('--stage='.length);
    else rest.push(arg);
  }

  const first = rest[0];
  if (first?.startsWith('-') && first !== '--') {
    const near = closestMatch(
      first,
      Object.keys(GLOBAL_OPTIONS).map((n) => `--${n}`),
    );
    throw new UsageError(
      `unknown option ${first} before the command${near ? `; did you mean ${near}?` : ''} (see "tidings --help")`,
    );
  }
  if (first === 'help') {
    help = true;
    rest.shift();
  }
  const command: string[] = [];
  const [name, sub] = rest;
  if (name !== undefined && name !== '--') {
    const spec = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!spec) {
      const near = closestMatch(name, Object.keys(COMMANDS));
      throw new UsageError(
        `unknown command "${name}"${near ? `; did you mean "${near}"?` : ''} (see "tidings --help")`,
      );
    }
    command.push(name);
    rest.shift();
    if (isGroup(spec) && sub === 'help') {
      // `tidings subscribers help [add]`, as the group has always answered.
      help = true;
      rest.shift();
      const [topic] = rest;
      if (topic !== undefined && Object.hasOwn(spec.subcommands, topic)) command.push(topic);
    } else if (isGroup(spec) && sub !== undefined && !sub.startsWith('-')) {
      if (!Object.hasOwn(spec.subcommands, sub)) {
        const near = closestMatch(sub, Object.keys(spec.subcommands));
        throw new UsageError(
          `unknown subcommand "${name} ${sub}"${near ? `; did you mean "${name} ${near}"?` : ''} (see "tidings ${name} --help")`,
        );
      }
      if (help) {
        command.push(sub);
        rest.shift();
      }
    }
  }
  // Help needs no stage, so a bad TIDINGS_STAGE does not stand in its way.
  const named = stage ?? (env.TIDINGS_STAGE || undefined);
  return { command, args: rest, stage: help ? undefined : stageName(named), help };
}

/** A stage name as `cdk.json` accepts it (the rule is the configuration's), or undefined. */
export function stageName(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!STAGE_NAME_PATTERN.test(value)) {
    throw new UsageError(`"${value}" is not a stage name: ${STAGE_NAME_RULE}`);
  }
  return value;
}
