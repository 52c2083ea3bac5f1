import type { Consent, Subscriber } from '../subscriber.js';
import { isHardSuppressed, ordered, patch, union, withRetry } from './changes.js';
import type { SubscriptionDeps } from './deps.js';
import { SuppressedAddressError } from './errors.js';
import { parseEditions, parseEmail, parseName } from './input.js';

export type AddOutcome = 'added' | 'updated' | 'unchanged';

/**
 * Operator's add (`subscribers add`) and opted-in import rows: active at once, consent recorded
 * as given by the operator (or the import). An import never brings back a reader who left.
 * @throws SubscriptionInputError; SuppressedAddressError
 */
export async function addSubscriber(
  deps: SubscriptionDeps,
  request: { email: string; editions: readonly string[]; name?: string; method?: 'operator' | 'import' },
): Promise<AddOutcome | 'left earlier'> {
  const email = parseEmail(request.email);
  const editions = parseEditions(deps.config, request.editions);
  const name = parseName(request.name);
  const method = request.method ?? 'operator';
  const suppression = await deps.store.suppression(email);
  if (suppression && suppression.reason !== 'forgotten') {
    throw new SuppressedAddressError(`${email} ${suppression.reason} earlier and is never mailed again`);
  }
  return withRetry(async () => {
    const now = deps.clock.now().toISOString();
    const existing = await deps.store.get(email);
    if (isHardSuppressed(existing?.status)) {
      throw new SuppressedAddressError(`${email} ${existing?.status} earlier and is never mailed again`);
    }
    if (method === 'import' && existing?.status === 'unsubscribed') return 'left earlier';
    const consent: Consent = { method, givenAt: now, confirmedAt: now };
    if (!existing) {
      const created: Subscriber = {
        email,
        status: 'active',
        editions,
        createdAt: now,
        updatedAt: now,
        consent,
        statusReason: `added (${method})`,
        version: 0,
      };
      if (name !== undefined) created.name = name;
      await deps.store.save(created);
      return 'added';
    }
    const active = existing.status === 'active' ? existing.editions : [];
    const merged = ordered(deps.config, union(active, editions));
    if (existing.status === 'active' && merged.length === active.length) return 'unchanged';
    const next = patch(existing, {
      status: 'active',
      editions: merged,
      updatedAt: now,
      consent,
      statusReason: `added (${method})`,
      expiresAt: undefined,
      name: existing.name ?? name,
    });
    await deps.store.save(next);
    return 'updated';
  });
}
