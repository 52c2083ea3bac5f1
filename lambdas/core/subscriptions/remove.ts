import type { SubscriptionDeps } from './deps.js';
import { parseEmail } from './input.js';
import { leave } from './unsubscribe.js';

/** Operator's remove: unsubscribed from everything, the record kept. False when there is no such subscriber. */
export async function removeSubscriber(deps: SubscriptionDeps, rawEmail: string): Promise<boolean> {
  const email = parseEmail(rawEmail);
  const existing = await deps.store.get(email);
  if (!existing) return false;
  await leave(deps, email, undefined, 'operator');
  return true;
}
