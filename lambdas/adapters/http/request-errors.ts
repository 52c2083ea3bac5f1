import { TidingsError } from '../../core/errors.js';

/**
 * An error the HTTP layer itself raises about a request, carrying what a reader is shown: a
 * machine-readable `code` for JSON clients and a page `heading`; the message is shown as is.
 */
export abstract class RequestError extends TidingsError {
  abstract readonly code: string;
  readonly heading: string;

  constructor(heading: string, message: string) {
    super(message);
    this.heading = heading;
  }
}

/** A request body that is not what the route takes. */
export class BadBodyError extends RequestError {
  override readonly name = 'BadBodyError';
  override readonly kind = 'invalid-input';
  readonly code = 'invalid_request';

  constructor(message: string, heading = 'Request not valid') {
    super(heading, message);
  }
}

/** Nothing at this address: no such page, edition or published issue. */
export class PageNotFoundError extends RequestError {
  override readonly name = 'PageNotFoundError';
  override readonly kind = 'not-found';
  readonly code = 'not_found';
}

/** The client went over the per-client request limit. */
export class TooManyRequestsError extends RequestError {
  override readonly name = 'TooManyRequestsError';
  override readonly kind = 'rate-limited';
  readonly code = 'rate_limited';

  constructor(readonly retryAfterSeconds: number) {
    super('Too many requests', 'Too many requests from your network. Try again in a minute.');
  }
}

/** The request body is over the limit (counted while it is read). */
export class BodyTooLargeError extends RequestError {
  override readonly name = 'BodyTooLargeError';
  override readonly kind = 'too-large';
  readonly code = 'payload_too_large';

  constructor(readonly maxBytes: number) {
    super('Request too large', `Request bodies are limited to ${maxBytes / 1024} KB.`);
  }
}
