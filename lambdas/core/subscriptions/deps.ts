import type { EditionConfig, TidingsConfig } from '../config.js';
import type { Clock, Mailer, OutgoingMessage, SubscriberStore } from '../ports.js';
import type { Keyring } from '../tokens.js';
import type { Welcome } from '../welcome.js';

/** What the subscription use cases need: settings, storage, keys, a clock and a way to mail. */
export interface ConfirmationMessage {
  to: string;
  name?: string;
  /** The editions the link activates, in configuration order. */
  editions: EditionConfig[];
  confirmUrl: string;
  expiresAt: Date;
}

/** Builds the confirmation email (the rendering side fills the precompiled template). */
export interface ConfirmationEmail {
  compose(message: ConfirmationMessage): OutgoingMessage | Promise<OutgoingMessage>;
}

export interface SubscriptionDeps {
  config: TidingsConfig;
  store: SubscriberStore;
  keyring: Keyring;
  clock: Clock;
  mailer: Mailer;
  confirmationEmail: ConfirmationEmail;
  /** Greets a reader whose first confirmation made them active (core/welcome.ts); none: no welcome. */
  welcome?: Welcome;
}
