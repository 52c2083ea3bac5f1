import { type ErrorKind, errorKind, TidingsError } from '../lambdas/core/errors.js';

/** CONTRACT.md's exit codes: 1 the operation failed, 2 bad usage or bad input. */
export type FailureExitCode = 1 | 2;

/** The one place an error kind becomes an exit code. */
export const EXIT_CODE: Readonly<Record<ErrorKind, FailureExitCode>> = {
  'invalid-input': 2,
  'not-found': 1,
  conflict: 1,
  forbidden: 1,
  'too-large': 1,
  'rate-limited': 1,
  unavailable: 1,
  internal: 1,
};

/** The exit code for an error that ended a command; `parseArgs` refusals are bad usage too. */
export function exitCode(error: unknown): FailureExitCode {
  if (error instanceof TidingsError) return EXIT_CODE[error.kind];
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return 2;
  return EXIT_CODE[errorKind(error)];
}
