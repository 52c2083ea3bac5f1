import type { CliContext } from '../../cli/context.js';
import type { TidingsConfig } from '../../lambdas/core/config.js';
import type { TestStack } from './stack.js';

/** What the operator commands printed, and the context that captures it. */
export interface CliCapture {
  /** Lines written to `out`, in order (the same array for the capture's whole life). */
  readonly out: string[];
  /** Lines written to `err`, in order (the same array for the capture's whole life). */
  readonly err: string[];
  /** A context on the stack (with its configuration unless given) whose output lands here. */
  context(stack: TestStack, config?: TidingsConfig): CliContext;
  /** Forgets the lines captured so far. */
  reset(): void;
}

/** Captures the output of CLI commands called as `tidings` calls them, against a test stack. */
export function captureCli(): CliCapture {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    context: (stack, config = stack.config) => ({
      config,
      home: stack.home,
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      stack: async () => stack,
    }),
    reset: () => {
      out.length = 0;
      err.length = 0;
    },
  };
}
