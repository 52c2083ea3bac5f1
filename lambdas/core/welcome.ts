import { latestPublished } from './archive.js';
import { type EditionConfig, findEdition, type TidingsConfig } from './config.js';
import { publicationName, writtenDate } from './digest.js';
import { type LedgerEntry, ledgerExpiry } from './issue.js';
import {
  type Clock,
  type IssueStore,
  type LedgerStore,
  type Mailer,
  MailerThrottledError,
  MessageRejectedError,
  type OutgoingMessage,
  type SubscriberStore,
} from './ports.js';
import { errorText, mailClaimed } from './send.js';
import { DEFAULT_RHYTHM, type Rhythm, type Subscriber } from './subscriber.js';
import { arrivalPhrase } from './subscriptions/delivery-times.js';
import { type Keyring, readerLinks, signToken, trimBaseUrl } from './tokens.js';

/**
 * The welcome email: sent once per reader, when their first confirmation makes them active.
 * It is ledgered like a digest, under the pseudo issue id {@link WELCOME_LEDGER_ID} (no issue id
 * can be it: issue ids are `<edition>-<date or week>`): a row is claimed before SES is called
 * and recorded `sent` after, so two presses of the confirm button, or two confirmations racing,
 * mail the reader once. A welcome that cannot go out is recorded `failed` (with SES's reason) or
 * `unknown` (the call may have reached SES), never retried on a guess, and never fails the
 * confirmation that asked for it.
 */

/** The ledger's partition for welcome emails; one row per reader. */
export const WELCOME_LEDGER_ID = 'welcome';

/** Where the local outbox keeps welcome emails: `outbox/welcome/<recipient>.eml`. */
export const WELCOME_FOLDER = 'welcome';

/** What the welcome says about one edition the reader chose. */
export interface WelcomeEdition {
  id: string;
  /** "Tidings D.C." */
  publication: string;
  /** When it arrives, in the reader's time: "Monday to Friday at 7:00 AM CET". */
  arrives: string;
  /** The latest published issue's web version, if any has gone out. */
  latest?: { url: string; subject: string; date: string };
  /** The edition's own paragraph (`welcomeText`), plain text. */
  welcomeText?: string;
}

/** Everything the welcome email shows; the rendering side turns it into a message. */
export interface WelcomeMessage {
  to: string;
  name?: string;
  editions: WelcomeEdition[];
  rhythm: Rhythm;
  /** The reader's own zone, when they chose one (else each edition's zone is used). */
  timeZone?: string;
  /** The reader's preferences page (editions, rhythm, zone). */
  preferencesUrl: string;
  /** One-click unsubscribe (page and RFC 8058 POST target): leaves every edition named here. */
  unsubscribeUrl: string;
  /** The `mailto:` unsubscribe address, when one edition is named (it can name only one). */
  unsubscribeMailto?: string;
}

/** Builds the welcome email (the rendering side fills the precompiled template). */
export interface WelcomeEmail {
  compose(message: WelcomeMessage): OutgoingMessage | Promise<OutgoingMessage>;
}

/**
 * The port the confirmation calls once a reader became active for the first time. Resolves
 * whatever happens to the email (a failure is recorded in the ledger, not thrown).
 */
export interface Welcome {
  greet(subscriber: Subscriber): Promise<WelcomeOutcome>;
}

export type WelcomeOutcome =
  | 'sent'
  /** A welcome was sent (or is being sent) already: a second press, a race, a returning reader. */
  | 'already-done'
  /** The message could not be built or SES refused it; the ledger row says why. */
  | 'failed'
  /** The SES call may or may not have gone through; never resent. */
  | 'unknown'
  /** The reader left or was suppressed before the welcome went: nothing sent, nothing recorded. */
  | 'not-active';

export interface WelcomeDeps {
  config: TidingsConfig;
  /** Read just before sending: the reader must still be active and not suppressed (invariant 2). */
  subscribers: Pick<SubscriberStore, 'get' | 'isSuppressed'>;
  issues: Pick<IssueStore, 'listByEdition'>;
  ledger: Pick<LedgerStore, 'create' | 'recordSent' | 'flushSent' | 'settleClaim' | 'markUnknown'>;
  mailer: Mailer;
  email: WelcomeEmail;
  keyring: Keyring;
  clock: Clock;
  /** A fresh random claim token. */
  newToken(): string;
}

// ---------------------------------------------------------------- the message

/** What the welcome email says to a reader, from the configuration and the archive. */
export async function welcomeMessage(
  deps: Pick<WelcomeDeps, 'config' | 'issues' | 'keyring' | 'clock'>,
  subscriber: Subscriber,
): Promise<WelcomeMessage> {
  const { config } = deps;
  const now = deps.clock.now();
  const base = trimBaseUrl(config.baseUrl);
  const chosen = subscriber.editions
    .map((id) => findEdition(config, id))
    .filter((e): e is EditionConfig => e !== undefined);
  const editions = await Promise.all(
    chosen.map(async (edition): Promise<WelcomeEdition> => {
      const [latest] = await latestPublished(deps.issues, edition.id, 1);
      return {
        id: edition.id,
        publication: publicationName(config, edition),
        arrives: arrivalPhrase(edition, subscriber, now),
        ...(latest
          ? {
              latest: {
                url: `${base}/issues/${encodeURIComponent(latest.id)}`,
                subject: latest.subject ?? latest.id,
                date: writtenDate(latest.localDate),
              },
            }
          : {}),
        ...(edition.welcomeText ? { welcomeText: edition.welcomeText } : {}),
      };
    }),
  );
  const email = subscriber.email;
  const only = chosen.length === 1 ? chosen[0] : undefined;
  // One edition: the very links its digests carry. Several: one link that leaves them all (a
  // `mailto:` address can name only one edition, so there is none).
  const links = only
    ? readerLinks(deps.keyring, {
        baseUrl: config.baseUrl,
        mailDomain: config.sender.domain,
        email,
        edition: only.id,
      })
    : {
        unsubscribeUrl: `${base}/unsubscribe?token=${signToken(deps.keyring, { purpose: 'unsubscribe', email })}`,
        preferencesUrl: `${base}/preferences?token=${signToken(deps.keyring, {
          purpose: 'preferences',
          email,
          ...(chosen[0] ? { edition: chosen[0].id } : {}),
        })}`,
      };
  return {
    to: email,
    ...(subscriber.name ? { name: subscriber.name } : {}),
    editions,
    rhythm: subscriber.rhythm ?? DEFAULT_RHYTHM,
    ...(subscriber.timeZone ? { timeZone: subscriber.timeZone } : {}),
    preferencesUrl: links.preferencesUrl,
    unsubscribeUrl: links.unsubscribeUrl,
    ...('unsubscribeMailto' in links ? { unsubscribeMailto: links.unsubscribeMailto } : {}),
  };
}

// ---------------------------------------------------------------- sending once

/**
 * Sends a newly active reader their welcome, once: 0. read the reader again (still active, not
 * suppressed, or nothing is sent); 1. build the message (a failure is recorded
 * `failed`); 2. claim the reader's welcome row (someone holds it already: nothing to do);
 * 3. hand it to SES and record `sent` with the message id; SES refusing or throttling is
 * recorded `failed`, any other error `unknown` (it may have gone out). Ledger errors propagate.
 */
export async function sendWelcome(deps: WelcomeDeps, subscriber: Subscriber): Promise<WelcomeOutcome> {
  const email = subscriber.email;
  // No email to an address that is not active as it goes (a departure a moment after confirming
  // wins), as for every digest; the record read now is the one the welcome describes.
  const [current, suppressed] = await Promise.all([
    deps.subscribers.get(email),
    deps.subscribers.isSuppressed(email),
  ]);
  if (current?.status !== 'active' || suppressed) return 'not-active';
  const started = deps.clock.now();
  const row = (state: LedgerEntry['state'], extra: Partial<LedgerEntry> = {}): LedgerEntry => ({
    issueId: WELCOME_LEDGER_ID,
    email,
    state,
    updatedAt: started.toISOString(),
    expiresAt: ledgerExpiry(started),
    ...extra,
  });

  let message: OutgoingMessage;
  try {
    message = await deps.email.compose(await welcomeMessage(deps, current));
  } catch (error) {
    const created = await deps.ledger.create(
      row('failed', { reason: `message could not be built: ${errorText(error)}` }),
    );
    return created.created ? 'failed' : 'already-done';
  }

  const claimToken = deps.newToken();
  const held = { ...row('claimed', { claimedAt: started.toISOString() }), claimToken };
  if (!(await deps.ledger.create(held)).created) return 'already-done';
  try {
    const { written } = await mailClaimed(deps, message, held);
    deps.ledger.flushSent?.();
    await written;
    return 'sent';
  } catch (error) {
    const at = deps.clock.now().toISOString();
    if (error instanceof MessageRejectedError || error instanceof MailerThrottledError) {
      await deps.ledger.settleClaim(WELCOME_LEDGER_ID, email, claimToken, {
        state: 'failed',
        reason: errorText(error),
        at,
      });
      return 'failed';
    }
    // Anything else may have reached SES: `unknown`, never sent again on a guess.
    await deps.ledger.markUnknown(WELCOME_LEDGER_ID, email, claimToken, at);
    return 'unknown';
  }
}

/**
 * The {@link Welcome} port over {@link sendWelcome}. `log` hears each outcome with the error's
 * name only, never the reader's address (the ledger row holds the reason).
 */
export function welcomePort(
  deps: WelcomeDeps,
  log: (event: string, detail: Record<string, unknown>) => void = () => {},
): Welcome {
  return {
    async greet(subscriber) {
      try {
        const outcome = await sendWelcome(deps, subscriber);
        log('welcome', { outcome });
        return outcome;
      } catch (error) {
        // The ledger could not be read or written: nothing is known to have been sent.
        log('welcome.not-recorded', { error: error instanceof Error ? error.name : 'unknown' });
        return 'failed';
      }
    },
  };
}
