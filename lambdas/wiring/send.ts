import { randomUUID } from 'node:crypto';
import { DigestMessageBuilder } from '../adapters/digest-messages.js';
import type { TidingsConfig } from '../core/config.js';
import type { Clock, Mailer, MessageBuilder } from '../core/ports.js';
import type { SendDeps } from '../core/send.js';
import { realPaceClock, SendPacer } from '../core/send-pacer.js';
import type { SendPolicy } from '../core/send-policy.js';
import type { Keyring } from '../core/tokens.js';
import type { Stores } from './stores.js';

/**
 * The sender's dependencies. Its own module, so only the targets that send digests carry the
 * message builder (MIME) and the pacer.
 */

/** The per-reader message builder (MIME encoded once per issue), built once, on first use. */
export function messagesOnce(
  config: TidingsConfig,
  keyring: () => Promise<Keyring>,
): () => Promise<MessageBuilder> {
  let messages: Promise<MessageBuilder> | undefined;
  return () => {
    messages ??= keyring().then((ring) => new DigestMessageBuilder(config, ring));
    return messages;
  };
}

/** The send core's dependencies for one sender, paced by its own limiter at the policy's rate. */
export function sendDeps(parts: {
  policy: SendPolicy;
  stores: Pick<Stores, 'issues' | 'ledger' | 'subscribers' | 'checks'>;
  messages: MessageBuilder;
  mailer: Mailer;
  clock: Clock;
  limiter?: { acquire(): Promise<void> } | undefined;
}): SendDeps {
  const { policy, stores } = parts;
  return {
    issues: stores.issues,
    ledger: stores.ledger,
    subscribers: stores.subscribers,
    messages: parts.messages,
    mailer: parts.mailer,
    checks: stores.checks,
    limiter: parts.limiter ?? new SendPacer({ rate: policy.perWorkerRate }, realPaceClock),
    clock: parts.clock,
    sleep: realPaceClock.sleep,
    newToken: randomUUID,
    leaseMs: policy.leaseMs,
    backoffMs: policy.backoffMs,
  };
}
