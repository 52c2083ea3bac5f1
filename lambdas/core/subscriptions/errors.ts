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
  override readonly name = 'NothingToConfirmError';
  override readonly kind = 'not-found';
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
