/**
 * The readers' use cases, one module each: subscribe (double opt-in), confirm, unsubscribe,
 * preferences, and the operator's add, remove, import and forget; `input` checks what readers
 * send, `changes` holds what the use cases share, `csv` reads import files. Every change is
 * computed from a fresh read and saved with the read's version, retried when someone else saved
 * first.
 *
 * Rules a reader can rely on:
 * - Asking is not having: a request from the form only records what was asked; editions are
 *   delivered once the owner of the address confirms through the emailed link. So nothing a
 *   stranger posts changes what an existing reader receives.
 * - At most one confirmation email per address per window (`api.confirmationWindowMinutes`);
 *   requests inside the window are added to the outstanding request, which the next email covers.
 * - Leaving holds: a reader who left (or was forgotten) is brought back only by confirming a link
 *   mailed after that; an older confirmation link or any preferences link offers a new one instead.
 * - Bounced and complained addresses are never mailed again, even after `forget`; a request for
 *   one is answered like any other and does nothing. A forgotten reader who had simply left may
 *   subscribe again.
 */

export { type AddOutcome, addSubscriber } from './add.js';
export { type ConfirmView, confirm, previewConfirmation } from './confirm.js';
export { type CsvRecord, parseCsvRecords } from './csv.js';
export type { ConfirmationEmail, ConfirmationMessage, SubscriptionDeps } from './deps.js';
export {
  ConfirmationRequiredError,
  NothingToConfirmError,
  NotSubscribedError,
  StaleConfirmationError,
  SubscriptionInputError,
  SuppressedAddressError,
} from './errors.js';
export { forgetSubscriber } from './forget.js';
export {
  type ImportOutcome,
  type ImportProblem,
  type ImportRow,
  importSubscribers,
  MAX_IMPORT_BYTES,
  parseSubscriberCsv,
} from './import.js';
export { parseEditions, parseEmail, parseName, parseRhythm, parseTimeZone } from './input.js';
export {
  type PreferencesView,
  type ReaderChoices,
  readPreferences,
  updatePreferences,
} from './preferences.js';
export { removeSubscriber } from './remove.js';
export { type SubscribeOutcome, type SubscribeRequest, subscribe } from './subscribe.js';
export { leave, previewUnsubscribe, type UnsubscribeView, unsubscribe } from './unsubscribe.js';
