import type { Subscriber } from '../subscriber.js';
import { verifyToken } from '../tokens.js';
import { compact, isHardSuppressed, withRetry } from './changes.js';
import type { SubscriptionDeps } from './deps.js';
import { ConfirmationRequiredError, NotSubscribedError, SuppressedAddressError } from './errors.js';
import { parseEditions } from './input.js';
import { leave } from './unsubscribe.js';

export interface PreferencesView {
  email: string;
  status: Subscriber['status'];
  /** Editions delivered now. */
  editions: string[];
  /** The edition whose digest carried the link. */
  from?: string;
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
  return view;
}

/**
 * Sets the editions an active reader receives; an empty choice leaves all. A reader who is not
 * active (left, or never confirmed) is not brought back by a preferences link, which may be old
 * or forwarded: only confirming a newly mailed link does that. An address that bounced or
 * complained stays as it is.
 * @throws TokenError; SubscriptionInputError; NotSubscribedError; SuppressedAddressError;
 *   ConfirmationRequiredError for a reader who is not active
 */
export async function updatePreferences(
  deps: SubscriptionDeps,
  token: string,
  chosen: readonly string[],
): Promise<PreferencesView> {
  const claims = verifyToken(deps.keyring, token, 'preferences', deps.clock.now());
  const editions = parseEditions(deps.config, chosen, { allowEmpty: true });
  if (editions.length === 0) {
    await leave(deps, claims.email, undefined, 'preferences');
    return readPreferences(deps, token);
  }
  await withRetry(async () => {
    const existing = await deps.store.get(claims.email);
    if (!existing) throw new NotSubscribedError('no subscription is on record for this address');
    if (isHardSuppressed(existing.status))
      throw new SuppressedAddressError('this address cannot receive mail');
    if (existing.status !== 'active') throw new ConfirmationRequiredError(existing.email, editions);
    const same =
      existing.editions.length === editions.length && editions.every((e) => existing.editions.includes(e));
    if (same) return;
    const now = deps.clock.now().toISOString();
    const next = { ...existing, editions, updatedAt: now, statusReason: 'preferences' } as Subscriber;
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
