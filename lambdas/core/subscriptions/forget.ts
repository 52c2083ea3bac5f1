import type { SubscriptionDeps } from './deps.js';
import { parseEmail } from './input.js';

/** Erases the reader, keeping only a hashed suppression entry. False when nothing was held. */
export async function forgetSubscriber(deps: SubscriptionDeps, rawEmail: string): Promise<boolean> {
  const email = parseEmail(rawEmail);
  return deps.store.forget(email, deps.clock.now());
}
