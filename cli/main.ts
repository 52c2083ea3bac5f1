import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Invocation, parseInvocation } from './args.js';
import type { CliContext, createContext } from './context.js';
import { exitCode } from './exit-code.js';
import { commandHelp, overviewHelp } from './help.js';
import { UsageError } from './usage-error.js';

export type Command = (args: string[], ctx: CliContext) => Promise<number>;

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Runs one CLI invocation and returns its exit code (0 done, 1 failed, 2 bad usage or input).
 * Help and usage errors are answered before the configuration is read, so `--help` works anywhere.
 */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let invocation: Invocation;
  try {
    invocation = parseInvocation(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`tidings: ${error.message}\n`);
    return 2;
  }
  const [name = '', sub] = invocation.command;
  if (invocation.help) {
    const width = process.stdout.isTTY ? Math.min(Math.max(process.stdout.columns, 60), 120) : undefined;
    process.stdout.write(`${commandHelp(invocation.command, width) ?? overviewHelp(width)}\n`);
    return 0;
  }
  if (!name) {
    process.stdout.write(`${overviewHelp()}\n`);
    return 2;
  }
  const args = sub === undefined ? invocation.args : [sub, ...invocation.args];
  let ctx: ReturnType<typeof createContext> | undefined;
  try {
    // Loaded only now, so that help and usage errors do not wait for the SDK and the schema.
    const [{ readConfigFile }, { createContext }, { tidingsHome }] = await Promise.all([
      import('./config-file.js'),
      import('./context.js'),
      import('./local/stack.js'),
    ]);
    // Configuration is validated before anything starts, so a bad setting stops every command alike.
    const config = await readConfigFile(env, process.cwd(), invocation.stage);
    const file = join(here, 'commands', `${name}.ts`);
    if (!existsSync(file)) {
      process.stderr.write(`tidings: "${name}" is not built yet\n`);
      return 1;
    }
    ctx = createContext({ config, home: tidingsHome(env), stage: invocation.stage });
    const command = (await import(pathToFileURL(file).href)) as { default: Command };
    return await command.default(args, ctx);
  } catch (caught) {
    // On a deployed stage an AWS failure (access denied, expired credentials) is one named line.
    const stage = ctx?.stage;
    const error =
      stage === undefined ? caught : ((await import('./stage.js')).stageFailure(caught, stage) ?? caught);
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`tidings ${name}: ${stage === undefined ? message : message.split('\n')[0]}\n`);
    return exitCode(error);
  } finally {
    if (ctx?.stage !== undefined) (await import('./target.js')).closeTargets(ctx);
    await ctx?.dispose().catch(() => undefined);
  }
}
