import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorKind } from '../../core/errors.js';
import { errorKind } from '../../core/errors.js';

/** The one place an error kind becomes an HTTP status. */
export const HTTP_STATUS: Readonly<Record<ErrorKind, ContentfulStatusCode>> = {
  'invalid-input': 400,
  'not-found': 404,
  conflict: 409,
  forbidden: 403,
  'too-large': 413,
  'rate-limited': 429,
  unavailable: 503,
  internal: 500,
};

/** The status for any thrown value (500 for anything that is not a TidingsError). */
export function httpStatus(error: unknown): ContentfulStatusCode {
  return HTTP_STATUS[errorKind(error)];
}
