import { createHmac, randomBytes } from 'node:crypto';
import { parseConfig, type TidingsConfig } from '../../lambdas/core/config.js';
import type { OutgoingMessage } from '../../lambdas/core/ports.js';
import type {
  ConfirmationEmail,
  ConfirmationMessage,
  SubscriptionDeps,
} from '../../lambdas/core/subscriptions/index.js';
import { type Keyring, parseKeyring, readerLinks, signToken } from '../../lambdas/core/tokens.js';
import { ManualClock } from './fakes/clock.js';
import { RecordingMailer } from './fakes/mailer.js';
import { MemorySubscriberStore } from './fakes/subscriber-store.js';

/** A small configuration with three editions, for tests that do not need cdk.json. */
export function smallConfig(overrides: Partial<TidingsConfig['api']> = {}): TidingsConfig {
  return parseConfig({
    stage: 'test',
    baseUrl: 'https://news.example.org',
    sender: { address: 'digest@tidings.example', name: 'Tidings', domain: 'tidings.example' },
    postalAddress: '1 Example Way, Springfield',
    api: {
      rateLimitPerMinute: 0,
      confirmationWindowMinutes: 10,
      confirmationTtlDays: 7,
      corsOrigins: [],
      ...overrides,
    },
    editions: [
      { id: 'dc', name: 'D.C.', timeZone: 'America/New_York', sendTime: '06:30' },
      { id: 'bxl', name: 'BXL', timeZone: 'Europe/Brussels', sendTime: '07:00' },
      { id: 'sg', name: 'SG', timeZone: 'Asia/Singapore', sendTime: '07:30' },
    ],
  });
}

export function testKeyring(ids: string[] = ['k1'], active = ids[ids.length - 1] ?? 'k1'): Keyring {
  return parseKeyring(
    JSON.stringify({ active, keys: ids.map((id) => ({ id, secret: randomBytes(32).toString('base64') })) }),
  );
}

/**
 * A token in the format made before reader ids and issue times: the payload as given (the address
 * itself in `e`), signed with the keyring's active key.
 */
export function oldFormatToken(keyring: Keyring, payload: Record<string, unknown>): string {
  const key = keyring.active;
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const mac = createHmac('sha256', key.secret).update(`v1.${key.id}.${encoded}`).digest('base64url');
  return `${key.id}.${encoded}.${mac}`;
}

/** A confirmation "email" whose raw bytes are the JSON of the message: tests read the link back. */
export class JsonConfirmationEmail implements ConfirmationEmail {
  compose(message: ConfirmationMessage): OutgoingMessage {
    return {
      raw: new TextEncoder().encode(
        JSON.stringify({ ...message, editions: message.editions.map((e) => e.id) }),
      ),
      from: 'digest@tidings.example',
      to: message.to,
      folder: 'confirmations',
    };
  }
}

export interface Harness extends SubscriptionDeps {
  store: MemorySubscriberStore;
  clock: ManualClock;
  mailer: RecordingMailer;
  /** The confirmation links mailed to an address, oldest first. */
  confirmLinks(email: string): string[];
  /** The token of the newest confirmation link mailed to an address. */
  confirmToken(email: string): string;
}

export function harness(config = smallConfig(), keyring = testKeyring()): Harness {
  const clock = new ManualClock();
  const mailer = new RecordingMailer();
  const h: Harness = {
    config,
    keyring,
    clock,
    mailer,
    store: new MemorySubscriberStore(() => clock.now()),
    confirmationEmail: new JsonConfirmationEmail(),
    confirmLinks(email) {
      return mailer.sent
        .filter((m) => m.to === email && m.folder === 'confirmations')
        .map((m) => (JSON.parse(new TextDecoder().decode(m.raw)) as ConfirmationMessage).confirmUrl);
    },
    confirmToken(email) {
      const link = h.confirmLinks(email).at(-1);
      if (!link) throw new Error(`no confirmation mailed to ${email}`);
      return new URL(link).searchParams.get('token') ?? '';
    },
  };
  return h;
}

/** The token of the unsubscribe link a digest would carry for that reader and edition. */
export function unsubscribeToken(h: Harness, email: string, edition: string): string {
  const { unsubscribeUrl } = readerLinks(h.keyring, {
    baseUrl: h.config.baseUrl,
    mailDomain: 'tidings.example',
    email,
    edition,
  });
  return new URL(unsubscribeUrl).searchParams.get('token') ?? '';
}

/** A preferences token for the reader, as a digest of the `dc` edition would carry. */
export function preferencesToken(h: Harness, email: string): string {
  return signToken(h.keyring, { purpose: 'preferences', email, edition: 'dc' });
}
