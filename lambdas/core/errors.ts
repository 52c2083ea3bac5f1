/**
 * The project's one error model. Every error Tidings throws on purpose is a {@link TidingsError}
 * with a {@link ErrorKind} saying what went wrong in terms a caller can act on. The edges turn a
 * kind into their own answer, each in one place: the HTTP app into a status
 * (`adapters/http/error-status.ts`), the CLI into an exit code (`cli/exit-code.ts`).
 */

/** What kind of failure an error is; the edges map it, the throwing code never picks a status. */
export const ERROR_KINDS = [
  /** The caller's input (a request body, an argument, a configuration value, a feed) is wrong. */
  'invalid-input',
  /** The thing named (an issue, a subscription) does not exist. */
  'not-found',
  /** The thing exists but is in a state the operation does not apply to, or changed meanwhile. */
  'conflict',
  /** The caller may not do this (a forged, expired or misdirected token). */
  'forbidden',
  /** Something is over a size limit. */
  'too-large',
  /** Someone (SES, the per-client limit) asked us to slow down; retry later. */
  'rate-limited',
  /** A service we depend on failed or did not answer; retry later. */
  'unavailable',
  /** Our own fault: a bug, or a deployment that is not as it should be. */
  'internal',
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

/**
 * Base of every error class in the project. Subclasses end in `Error`, set `name` and `kind`, and
 * pass `cause` through (`new XError(message, { cause })`).
 */
export abstract class TidingsError extends Error {
  abstract readonly kind: ErrorKind;
  override readonly name: string = 'TidingsError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The kind of any thrown value: its own for a {@link TidingsError}, `internal` for anything else. */
export function errorKind(error: unknown): ErrorKind {
  return error instanceof TidingsError ? error.kind : 'internal';
}
