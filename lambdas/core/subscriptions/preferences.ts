import type { Rhythm, Subscriber } from '../subscriber.js';
import { verifyToken } from '../tokens.js';
import { compact, isHardSuppressed, patch, withRetry } from './changes.js';
import type { SubscriptionDeps } from './deps.js';
import { ConfirmationRequiredError, NotSubscribedError, SuppressedAddressError } from './errors.js';
import { parseEditions, parseRhythm, parseTimeZone } from './input.js';
import { leave } from './unsubscribe.js';

export interface PreferencesView {
  email: string;
  status: Subscriber['status'];
  /** Editions delivered now. */
  editions: string[];
  /** The edition whose digest carried the link. */
  from?: string;
  /** The reader's IANA zone; absent: each edition's own zone. */
  timeZone?: string;
  /** Absent: daily. */
  rhythm?: Rhythm;
}

/**
 * A change of zone or rhythm: an absent field keeps what is stored; an empty one clears it (back
 * to each edition's zone, or to daily). Values are checked by {@link parseTimeZone} and
 * {@link parseRhythm}.
 */
export interface ReaderChoices {
  timeZone?: unknown;
  rhythm?: unknown;
}

/**
 * The reader's current choice, for `GET /preferences` (changes nothing).
 * @throws TokenError; NotSubscribedError
 */
export async function readPreferences(deps: SubscriptionDeps, token: string): Promise<PreferencesView> {
  const claims = verifyToken(deps.keyring, token, 'preferences', deps.clock.now());
  const existing = await deps.store.get(claims.email);
  if (!existing) throw new NotSubscribedError('no subscription is on record for this address');
  const view: PreferencesView = {
    email: existing.email,
    status: existing.status,
    editions: existing.status === 'active' ? existing.editions : [],
  };
  if (claims.edition !== undefined) view.from = claims.edition;
  if (existing.timeZone !== undefined) view.timeZone = existing.timeZone;
  if (existing.rhythm !== undefined) view.rhythm = existing.rhythm;
  return view;
}

/**
 * Sets the editions an active reader receives (absent: unchanged; an empty choice leaves all), and
 * their zone and rhythm. A reader who is not
 * active (left, or never confirmed) is not brought back by a preferences link, which may be old
 * or forwarded: only confirming a newly mailed link does that. An address that bounced or
 * complained stays as it is.
 * @throws TokenError; SubscriptionInputError; NotSubscribedError; SuppressedAddressError;
 *   ConfirmationRequiredError for a reader who is not active
 */
export async function updatePreferences(
  deps: SubscriptionDeps,
  token: string,
  chosen: readonly string[] | undefined,
  choices: ReaderChoices = {},
): Promise<PreferencesView> {
  const claims = verifyToken(deps.keyring, token, 'preferences', deps.clock.now());
  const asked = chosen === undefined ? undefined : parseEditions(deps.config, chosen, { allowEmpty: true });
  const timeZone = choices.timeZone === undefined ? undefined : { value: parseTimeZone(choices.timeZone) };
  const rhythm = choices.rhythm === undefined ? undefined : { value: parseRhythm(choices.rhythm) };
  if (asked?.length === 0) {
    await leave(deps, claims.email, undefined, 'preferences');
    return readPreferences(deps, token);
  }
  await withRetry(async () => {
    const existing = await deps.store.get(claims.email);
    if (!existing) throw new NotSubscribedError('no subscription is on record for this address');
    if (isHardSuppressed(existing.status))
      throw new SuppressedAddressError('this address cannot receive mail');
    const editions = asked ?? existing.editions;
    if (existing.status !== 'active') throw new ConfirmationRequiredError(existing.email, editions);
    const same =
      existing.editions.length === editions.length && editions.every((e) => existing.editions.includes(e));
    const zone = timeZone ? timeZone.value : existing.timeZone;
    const often = rhythm ? rhythm.value : existing.rhythm;
    if (same && zone === existing.timeZone && often === existing.rhythm) return;
    const now = deps.clock.now().toISOString();
    const next = patch(existing, { editions, updatedAt: now, timeZone: zone, rhythm: often });
    if (!same) next.statusReason = 'preferences';
    // Dropping an edition is leaving it: older confirmation links for it stop working.
    if (existing.editions.some((e) => !editions.includes(e))) next.leftAt = now;
    next.pendingEditions = (existing.pendingEditions ?? []).filter((e) => !editions.includes(e));
    if (next.pendingEditions.length === 0) {
      delete next.pendingEditions;
      delete next.pendingConsent;
    }
    await deps.store.save(compact(next));
  });
  return readPreferences(deps, token);
}
