import type { Consent, Subscriber } from '../subscriber.js';
import { hashClientAddress, type TokenClaims, verifyToken } from '../tokens.js';
import { addDays, isHardSuppressed, ordered, patch, union, withRetry } from './changes.js';
import type { SubscriptionDeps } from './deps.js';
import { NothingToConfirmError, StaleConfirmationError } from './errors.js';

export interface ConfirmView {
  email: string;
  /** The editions the link activates. */
  editions: string[];
  /** True when they are all active already (the link was used before). */
  alreadyConfirmed: boolean;
}

/**
 * When a confirmation link was mailed. Links made before issue times were recorded carry only
 * their expiry, so the time is worked back from it, rounded up to the second the expiry was
 * rounded down to.
 */
function issuedAt(deps: SubscriptionDeps, claims: TokenClaims): number {
  if (claims.issuedAt) return claims.issuedAt.getTime();
  if (!claims.expiresAt) return 0;
  return addDays(claims.expiresAt, -deps.config.api.confirmationTtlDays).getTime() + 999;
}

/**
 * The link must be newer than the reader's record and than their last departure: consent that
 * was withdrawn is not given back by an old link, only by confirming a link mailed since.
 * Records kept from before departures were recorded count an unsubscribed reader's last change.
 */
function assertCurrent(deps: SubscriptionDeps, claims: TokenClaims, existing: Subscriber): void {
  const left = existing.leftAt ?? (existing.status === 'unsubscribed' ? existing.updatedAt : undefined);
  const since = Math.max(Date.parse(existing.createdAt), left === undefined ? 0 : Date.parse(left));
  if (issuedAt(deps, claims) < since) {
    throw new StaleConfirmationError(claims.email, ordered(deps.config, claims.editions ?? []));
  }
}

/**
 * What a confirmation link would do, for the page behind `GET /confirm` (changes nothing).
 * @throws TokenError for a forged, expired or misused token; NothingToConfirmError
 */
export async function previewConfirmation(deps: SubscriptionDeps, token: string): Promise<ConfirmView> {
  const claims = verifyToken(deps.keyring, token, 'confirm', deps.clock.now());
  const existing = await deps.store.get(claims.email);
  if (!existing || isHardSuppressed(existing.status)) {
    throw new NothingToConfirmError('there is no request to confirm for this address any more');
  }
  assertCurrent(deps, claims, existing);
  const editions = ordered(deps.config, claims.editions ?? []);
  return {
    email: claims.email,
    editions,
    alreadyConfirmed: existing.status === 'active' && editions.every((e) => existing.editions.includes(e)),
  };
}

/**
 * Double opt-in, step two (`POST /confirm`): activates the editions the link names. Idempotent:
 * a second press changes nothing and answers the same.
 * @throws TokenError; NothingToConfirmError when the request is gone (forgotten, bounced);
 *   StaleConfirmationError for a link mailed before the reader left
 */
export async function confirm(
  deps: SubscriptionDeps,
  token: string,
  clientAddress?: string,
): Promise<ConfirmView> {
  const claims = verifyToken(deps.keyring, token, 'confirm', deps.clock.now());
  const editions = ordered(deps.config, claims.editions ?? []);
  if (editions.length === 0)
    throw new NothingToConfirmError('this link names no edition that is still published');
  const outcome = await withRetry(async (): Promise<{ view: ConfirmView; activated?: Subscriber }> => {
    const now = deps.clock.now().toISOString();
    const existing = await deps.store.get(claims.email);
    if (!existing || isHardSuppressed(existing.status)) {
      throw new NothingToConfirmError('there is no request to confirm for this address any more');
    }
    assertCurrent(deps, claims, existing);
    const alreadyConfirmed =
      existing.status === 'active' && editions.every((e) => existing.editions.includes(e));
    if (alreadyConfirmed) return { view: { email: claims.email, editions, alreadyConfirmed } };

    const active = existing.status === 'active' ? existing.editions : [];
    const stillAsked = (
      existing.status === 'pending' ? existing.editions : (existing.pendingEditions ?? [])
    ).filter((e) => !editions.includes(e) && !active.includes(e));
    const given =
      existing.status === 'pending' ? existing.consent : (existing.pendingConsent ?? existing.consent);
    const consent: Consent = { ...given, confirmedAt: now };
    if (clientAddress) consent.confirmClientHash = hashClientAddress(deps.keyring, clientAddress);
    else delete consent.confirmClientHash;
    const next = patch(existing, {
      status: 'active',
      editions: ordered(deps.config, union(active, editions)),
      updatedAt: now,
      consent,
      statusReason: 'confirmed',
      pendingEditions: stillAsked.length > 0 ? stillAsked : undefined,
      pendingConsent: stillAsked.length > 0 ? existing.pendingConsent : undefined,
      expiresAt: undefined,
    });
    await deps.store.save(next);
    const view = { email: claims.email, editions, alreadyConfirmed: false };
    // Pending (never active, or back after leaving) to active: the reader may be welcomed. An
    // active reader adding editions is not; the welcome's ledger row keeps it to once per reader.
    return existing.status === 'active' ? { view } : { view, activated: next };
  });
  if (outcome.activated && deps.welcome) {
    // The welcome records its own failures; whatever happens to it, the confirmation stands.
    await deps.welcome.greet(outcome.activated).catch(() => undefined);
  }
  return outcome.view;
}
