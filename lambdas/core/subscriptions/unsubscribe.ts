import { verifyToken } from '../tokens.js';
import { type Changes, patch, withRetry } from './changes.js';
import type { SubscriptionDeps } from './deps.js';

export interface UnsubscribeView {
  email: string;
  /** The edition the link leaves; undefined for a link that leaves everything. */
  edition?: string;
  /** Editions still read after leaving. */
  remaining: string[];
}

/**
 * What an unsubscribe link would do (`GET /unsubscribe`; changes nothing).
 * @throws TokenError
 */
export async function previewUnsubscribe(deps: SubscriptionDeps, token: string): Promise<UnsubscribeView> {
  const claims = verifyToken(deps.keyring, token, 'unsubscribe', deps.clock.now());
  const existing = await deps.store.get(claims.email);
  const view: UnsubscribeView = {
    email: claims.email,
    remaining: (existing?.status === 'active' ? existing.editions : []).filter((e) => e !== claims.edition),
  };
  if (claims.edition !== undefined) view.edition = claims.edition;
  return view;
}

/**
 * Leaves the edition the token names (all editions for a token without one); the status becomes
 * `unsubscribed` once none is left. Idempotent, and a no-op for an address no longer on record.
 * @throws TokenError
 */
export async function unsubscribe(
  deps: SubscriptionDeps,
  token: string,
  via: 'page' | 'one-click' | 'mail' | 'operator' = 'page',
): Promise<UnsubscribeView> {
  const claims = verifyToken(deps.keyring, token, 'unsubscribe', deps.clock.now());
  return leave(deps, claims.email, claims.edition, via);
}

/**
 * Leaves one edition (or all) for an address already authenticated by other means: a verified
 * token, the `mailto:` code checked against the From address, or the operator.
 */
export async function leave(
  deps: SubscriptionDeps,
  email: string,
  edition: string | undefined,
  via: 'page' | 'one-click' | 'mail' | 'operator' | 'preferences',
): Promise<UnsubscribeView> {
  return withRetry(async () => {
    const existing = await deps.store.get(email);
    const view: UnsubscribeView = { email, remaining: [] };
    if (edition !== undefined) view.edition = edition;
    if (!existing) return view;
    const leaves = (e: string): boolean => edition === undefined || e === edition;
    const editions = existing.editions.filter((e) => !leaves(e));
    const pending = (existing.pendingEditions ?? []).filter((e) => !leaves(e));
    view.remaining = existing.status === 'active' ? editions : [];
    const changed =
      editions.length !== existing.editions.length ||
      pending.length !== (existing.pendingEditions ?? []).length;
    const becomesUnsubscribed =
      editions.length === 0 && (existing.status === 'active' || existing.status === 'pending');
    if (!changed && !becomesUnsubscribed) return view;
    const now = deps.clock.now().toISOString();
    const changes: Changes = {
      editions,
      pendingEditions: pending.length > 0 ? pending : undefined,
      pendingConsent: pending.length > 0 ? existing.pendingConsent : undefined,
      updatedAt: now,
    };
    // Leaving an edition one read withdraws consent: older confirmation links stop working.
    if (existing.status === 'active' && editions.length !== existing.editions.length) changes.leftAt = now;
    if (becomesUnsubscribed) {
      changes.status = 'unsubscribed';
      changes.statusReason =
        via === 'one-click'
          ? 'one-click unsubscribe'
          : via === 'mail'
            ? 'unsubscribe by mail'
            : `unsubscribed (${via})`;
      // An unsubscribed record is kept as the reader's history; it no longer expires.
      changes.expiresAt = undefined;
    }
    await deps.store.save(patch(existing, changes));
    return view;
  });
}
