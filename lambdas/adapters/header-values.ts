import { TidingsError } from '../core/errors.js';
import { cleanSingleLine, HEADER_VALUE, refusedCharacter } from '../core/text-rules.js';

/**
 * Header values for every email Tidings writes: the API function imports this (and
 * `reader-mime.ts`) without `mime.ts`, the digest's MIME, which re-exports them for its callers.
 * The rules themselves are the text rules' (`core/text-rules.ts`); this module only applies them
 * to header fields.
 */

/** A header value that would break the message (line breaks, control characters, bad address or URL). */
export class HeaderValueError extends TidingsError {
  override readonly name = 'HeaderValueError';
  override readonly kind = 'invalid-input';
}

/** Display text for a header (subject, names): the single-line rule's cleaning. */
export function headerText(value: string): string {
  return cleanSingleLine(value);
}

/**
 * A structural header value (address, URL, id) is used as given or not at all: anything that
 * could end the header line or smuggle a field is refused, naming the field and the character.
 */
export function headerToken(value: string, field: string): string {
  if (value === '') throw new HeaderValueError(`${field} is empty`);
  const refused = refusedCharacter(HEADER_VALUE, value);
  if (refused !== undefined) {
    throw new HeaderValueError(
      `${field} must be one line without ${HEADER_VALUE.refusesWhat} (it holds ${refused})`,
    );
  }
  return value;
}
