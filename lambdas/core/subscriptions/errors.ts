import { TidingsError } from '../errors.js';

/** The subscription use cases' own errors. */
/** A request that cannot be honoured as sent (bad address, unknown edition, bad CSV); maps to 400 / exit 2. */
export class SubscriptionInputError extends TidingsError {
  override readonly name = 'SubscriptionInputError';
  override readonly kind = 'invalid-input';
  constructor(
    readonly field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A confirmation link for an address that no longer has a request on record (forgotten, suppressed). */
export class NothingToConfirmError extends TidingsError {
  override readonly name: string = 'NothingToConfirmError';
  override readonly kind = 'not-found';
}

/**
 * A confirmation link made before the reader left (or before this record was created): it no
 * longer re-activates anyone. The page offers to mail a new link for the same editions.
 */
export class StaleConfirmationError extends NothingToConfirmError {
  override readonly name = 'StaleConfirmationError';
  constructor(
    readonly email: string,
    readonly editions: readonly string[],
    message = 'this confirmation link was sent before the reader left; only a new link brings them back',
  ) {
    super(message);
  }
}

/**
 * A reader who is not active (left, or never confirmed) asked through a preferences link to
 * receive editions: only confirming a newly mailed link does that. Carries what to offer.
 */
export class ConfirmationRequiredError extends TidingsError {
  override readonly name = 'ConfirmationRequiredError';
  override readonly kind = 'conflict';
  constructor(
    readonly email: string,
    readonly editions: readonly string[],
  ) {
    super('a reader who left comes back only by confirming a newly mailed link');
  }
}

/** No subscription is on record for the address a preferences link names. */
export class NotSubscribedError extends TidingsError {
  override readonly name = 'NotSubscribedError';
  override readonly kind = 'not-found';
}

/** The operator asked to mail an address that bounced or complained. */
export class SuppressedAddressError extends TidingsError {
  override readonly name = 'SuppressedAddressError';
  override readonly kind = 'invalid-input';
}
