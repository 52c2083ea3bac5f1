import type { TidingsConfig } from '../lambdas/core/config.js';
import { closestMatch } from '../lambdas/core/suggest.js';
import {
  attachLocalStack,
  configuredPorts,
  exportStackEnv,
  type LocalStack,
  startLocalStack,
} from './local/stack.js';
import { type ProgressLine, progressLine } from './progress.js';
import { UsageError } from './usage-error.js';

/** What every CLI command receives. */
export interface CliContext {
  config: TidingsConfig;
  /** `$TIDINGS_HOME`. */
  home: string;
  /** The deployed stage to operate (`--stage` or `TIDINGS_STAGE`); undefined for the local stack. */
  stage?: string | undefined;
  out(line: string): void;
  err(line: string): void;
  /**
   * The progress line of long work (on a terminal's stderr only; `out` and `err` erase it first).
   * Optional so that a test's context can leave it out.
   */
  progress?: ProgressLine;
  /**
   * The local stack: the running `tidings dev` (found through `stack.json`) while it answers,
   * else one started in this process for the command's duration and closed when it ends.
   */
  stack(): Promise<LocalStack>;
}

/** Defined on its own so that help and argument errors load nothing heavy; exported here too. */
export { UsageError };

export interface ContextOptions {
  config: TidingsConfig;
  home: string;
  stage?: string | undefined;
  out?: (line: string) => void;
  err?: (line: string) => void;
  progress?: ProgressLine;
}

/** Builds a context; `dispose()` closes a stack the context started. */
export function createContext(options: ContextOptions): CliContext & { dispose(): Promise<void> } {
  let pending: Promise<LocalStack> | undefined;
  const progress = options.progress ?? progressLine(process.stderr);
  const out = options.out ?? ((line) => process.stdout.write(`${line}\n`));
  const err = options.err ?? ((line) => process.stderr.write(`${line}\n`));
  return {
    config: options.config,
    home: options.home,
    stage: options.stage,
    out(line) {
      progress.clear();
      out(line);
    },
    err(line) {
      progress.clear();
      err(line);
    },
    progress,
    stack() {
      pending ??= (async () => {
        // A bad TIDINGS_*_PORT is bad input (exit 2) whether a stack is started or attached to.
        configuredPorts();
        const stack =
          (await attachLocalStack(options.home, options.config)) ??
          (await startLocalStack({
            home: options.home,
            config: options.config,
            ports: { dynamodb: 0, ses: 0 },
          }));
        exportStackEnv(stack);
        return stack;
      })();
      return pending;
    },
    async dispose() {
      progress.done();
      if (pending) await (await pending).close();
    },
  };
}

/** Splits repeated and comma-separated edition flags and checks each against the configuration. */
export function editionList(values: readonly string[] | undefined, config: TidingsConfig): string[] {
  const ids = (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  for (const id of ids) {
    if (!config.editions.some((e) => e.id === id)) {
      const known = config.editions.map((e) => e.id);
      const near = closestMatch(id, known);
      throw new UsageError(
        `unknown edition "${id}"${near ? `; did you mean "${near}"? (configured: ${known.join(', ')})` : `; configured: ${known.join(', ')}`}`,
      );
    }
  }
  return [...new Set(ids)];
}
