import { TidingsError } from './errors.js';
import { runtimeZones } from './zone-clock.js';
/** Reader-facing domain types and rules shared by the API, the sender and the feedback handler. */

export const SUBSCRIBER_STATUSES = ['pending', 'active', 'unsubscribed', 'bounced', 'complained'] as const;
export type SubscriberStatus = (typeof SUBSCRIBER_STATUSES)[number];

/**
 * How often a reader gets an edition: every issue on the edition's send days (`daily`), only the
 * issues of Monday to Friday in the edition's calendar (`weekdays`), or one roundup a week
 * (`weekly`, on the edition's `roundupDay`). Absent means `daily`.
 */
export const RHYTHMS = ['daily', 'weekdays', 'weekly'] as const;
export type Rhythm = (typeof RHYTHMS)[number];
export const DEFAULT_RHYTHM: Rhythm = 'daily';

export function isRhythm(value: string): value is Rhythm {
  return (RHYTHMS as readonly string[]).includes(value);
}

/**
 * Whether a string is an IANA time zone a reader may choose: one of the runtime's canonical zones
 * (`Intl.supportedValuesOf('timeZone')`) or `UTC`. Offsets ("+01:00") and abbreviations ("CET")
 * are refused: a reader's morning must follow their zone's daylight-saving rules.
 */
export function isReaderTimeZone(value: string): boolean {
  return runtimeZones().has(value);
}

export type ConsentMethod = 'form' | 'import' | 'operator';

export interface Consent {
  method: ConsentMethod;
  /** When consent was given (the form was posted, the row imported, the operator added it). */
  givenAt: string;
  /** Keyed hash (HMAC-SHA-256, see `hashClientAddress` in tokens.ts) of the client address that gave it, never the address itself. */
  clientHash?: string;
  /** When the address was confirmed by its owner (double opt-in); operators' adds are confirmed at once. */
  confirmedAt?: string;
  confirmClientHash?: string;
}

export interface Subscriber {
  /** Normalised address (see {@link normalizeEmail}); the identity of a subscriber. */
  email: string;
  status: SubscriberStatus;
  /** Editions read while active, or asked for while pending. */
  editions: string[];
  name?: string;
  createdAt: string;
  updatedAt: string;
  consent: Consent;
  lastConfirmationSentAt?: string;
  /**
   * The reader's IANA time zone (see {@link isReaderTimeZone}). For editions with
   * `readerLocalTime`, the reader gets the issue at the edition's send time in this zone; absent:
   * in the edition's own zone.
   */
  timeZone?: string;
  /** How often the reader gets their editions; absent means {@link DEFAULT_RHYTHM}. */
  rhythm?: Rhythm;
  /** Consecutive transient bounces; reset by a delivery. */
  transientBounces?: number;
  /** Why the status last changed, e.g. "hard bounce", "complaint", "one-click unsubscribe". */
  statusReason?: string;
  /**
   * Editions asked for through the form but not yet confirmed by the owner of the address (an
   * active or unsubscribed reader asking again). Nothing is delivered for them until confirmed.
   */
  pendingEditions?: string[];
  /** The consent of that unconfirmed request; becomes `consent` on confirmation. */
  pendingConsent?: Consent;
  /**
   * When the reader last left an edition they read (ISO instant). A confirmation link made before
   * it no longer brings them back: only a link mailed after they left does.
   */
  leftAt?: string;
  /** When an unconfirmed new subscriber is dropped (ISO instant); absent once confirmed. */
  expiresAt?: string;
  /**
   * Optimistic lock: the stored version this copy was read at. `save` refuses to overwrite a newer
   * one ({@link ConcurrentUpdateError}); a copy without it overwrites unconditionally.
   */
  version?: number;
}

/** Why an address is on the suppression list (kept, hashed, after `forget`). */
export type SuppressionReason = 'forgotten' | 'bounced' | 'complained';

export interface Suppression {
  reason: SuppressionReason;
  /** When it was suppressed (ISO instant). */
  at: string;
}

/** Someone else saved the subscriber since it was read; read it again and re-apply the change. */
export class ConcurrentUpdateError extends TidingsError {
  override readonly name = 'ConcurrentUpdateError';
  override readonly kind = 'conflict';
}

/** What the fan-out hands to the sender for one reader. */
export interface Recipient {
  email: string;
  name?: string;
  /** The reader's zone as stored in the index entry (absent: the edition's zone). */
  timeZone?: string;
  /** The reader's rhythm as stored in the index entry (absent: daily). */
  rhythm?: Rhythm;
}

export const MAX_EMAIL_LENGTH = 254;
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** Trims and lower-cases the domain (and the local part: mail providers treat it case-blind in practice). */
export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/** Whether a normalised string is an address Tidings will mail: syntax and length only, no lookups. */
export function isValidEmail(email: string): boolean {
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL.test(email)) return false;
  const domain = email.slice(email.lastIndexOf('@') + 1);
  return !domain.split('.').some((label) => label.length > 63) && !email.includes('..');
}
