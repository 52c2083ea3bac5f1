import type { Consent, Rhythm, Subscriber } from '../subscriber.js';
import { isHardSuppressed, ordered, patch, union, withRetry } from './changes.js';
import type { SubscriptionDeps } from './deps.js';
import { SuppressedAddressError } from './errors.js';
import { parseEditions, parseEmail, parseName, parseRhythm, parseTimeZone } from './input.js';

export type AddOutcome = 'added' | 'updated' | 'unchanged';

/**
 * Operator's add (`subscribers add`) and opted-in import rows: active at once, consent recorded
 * as given by the operator (or the import). An import never brings back a reader who left.
 * @throws SubscriptionInputError; SuppressedAddressError
 */
export async function addSubscriber(
  deps: SubscriptionDeps,
  request: {
    email: string;
    editions: readonly string[];
    name?: string;
    /** Set when given (the operator speaks for the reader); absent keeps what is stored. */
    timeZone?: string;
    rhythm?: Rhythm;
    method?: 'operator' | 'import';
  },
): Promise<AddOutcome | 'left earlier'> {
  const email = parseEmail(request.email);
  const editions = parseEditions(deps.config, request.editions);
  const name = parseName(request.name);
  const timeZone = parseTimeZone(request.timeZone);
  const rhythm = parseRhythm(request.rhythm);
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
      if (timeZone !== undefined) created.timeZone = timeZone;
      if (rhythm !== undefined) created.rhythm = rhythm;
      await deps.store.save(created);
      return 'added';
    }
    const active = existing.status === 'active' ? existing.editions : [];
    const merged = ordered(deps.config, union(active, editions));
    const zone = timeZone ?? existing.timeZone;
    const often = rhythm ?? existing.rhythm;
    const sameChoices = zone === existing.timeZone && often === existing.rhythm;
    if (existing.status === 'active' && merged.length === active.length && sameChoices) return 'unchanged';
    const next = patch(existing, {
      status: 'active',
      editions: merged,
      updatedAt: now,
      consent,
      statusReason: `added (${method})`,
      expiresAt: undefined,
      name: existing.name ?? name,
      timeZone: zone,
      rhythm: often,
    });
    await deps.store.save(next);
    return 'updated';
  });
}
