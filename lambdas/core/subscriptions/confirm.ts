import type { Consent } from '../subscriber.js';
import { hashClientAddress, verifyToken } from '../tokens.js';
import { isHardSuppressed, ordered, patch, union, withRetry } from './changes.js';
import type { SubscriptionDeps } from './deps.js';
import { NothingToConfirmError } from './errors.js';

export interface ConfirmView {
  email: string;
  /** The editions the link activates. */
  editions: string[];
  /** True when they are all active already (the link was used before). */
  alreadyConfirmed: boolean;
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
 * @throws TokenError; NothingToConfirmError when the request is gone (forgotten, bounced)
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
  return withRetry(async () => {
    const now = deps.clock.now().toISOString();
    const existing = await deps.store.get(claims.email);
    if (!existing || isHardSuppressed(existing.status)) {
      throw new NothingToConfirmError('there is no request to confirm for this address any more');
    }
    const alreadyConfirmed =
      existing.status === 'active' && editions.every((e) => existing.editions.includes(e));
    if (alreadyConfirmed) return { email: claims.email, editions, alreadyConfirmed };

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
    return { email: claims.email, editions, alreadyConfirmed: false };
  });
}
