import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type CliContext, createContext } from './context.js';
import { exitCode } from './exit-code.js';
import { loadConfig } from './load-config.js';
import { tidingsHome } from './local/stack.js';

export type Command = (args: string[], ctx: CliContext) => Promise<number>;

/** Every command of CONTRACT.md, with the one-line help shown by `tidings help`. */
export const COMMANDS: Readonly<Record<string, string>> = {
  dev: 'dev [--reset]  start the local stack, run one pass, keep serving and scheduling',
  run: 'run --once  one pass (ingest, compose and send every edition now), print a summary, exit',
  ingest: 'ingest [--source <path|url>] [--format tidings|jsonfeed|rss|atom|rdf] [--edition E]',
  briefs: 'briefs list [--edition E] | briefs retract <id>',
  preview: 'preview --edition E [--out DIR]  render without sending: html, text, eml, screenshots',
  digest: 'digest --edition E [--dry-run] [--to EMAIL]  compose and send now',
  approve: 'approve <issue-id>  release an issue held for approval',
  cancel: 'cancel <issue-id>  stop a send in progress',
  resend: 'resend <issue-id> --to EMAIL  send one reader their copy again',
  status: 'status [--issue ID] [--recipients]  what was sent to whom',
  subscribers: 'subscribers list|add|import|remove|forget|export …',
};

const here = dirname(fileURLToPath(import.meta.url));

function usage(): string {
  return [
    'usage: tidings <command> [options]',
    '',
    ...Object.values(COMMANDS).map((line) => `  ${line}`),
  ].join('\n');
}

/** Runs one CLI invocation and returns its exit code (0 done, 1 failed, 2 bad usage or input). */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  if (!Object.hasOwn(COMMANDS, name)) {
    process.stderr.write(`tidings: unknown command "${name}"\n${usage()}\n`);
    return 2;
  }
  let ctx: ReturnType<typeof createContext> | undefined;
  try {
    // Configuration is validated before anything starts, so a bad setting stops every command alike.
    const config = await loadConfig(env);
    const file = join(here, 'commands', `${name}.ts`);
    if (!existsSync(file)) {
      process.stderr.write(`tidings: "${name}" is not built yet\n`);
      return 1;
    }
    ctx = createContext({ config, home: tidingsHome(env) });
    const command = (await import(pathToFileURL(file).href)) as { default: Command };
    return await command.default(args, ctx);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`tidings ${name}: ${message}\n`);
    return exitCode(error);
  } finally {
    await ctx?.dispose().catch(() => undefined);
  }
}
