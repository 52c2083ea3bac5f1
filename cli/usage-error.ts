import { TidingsError } from '../lambdas/core/errors.js';

/** A usage or input problem: exit code 2 with a one-line reason. */
export class UsageError extends TidingsError {
  override readonly name = 'UsageError';
  override readonly kind = 'invalid-input';
}
