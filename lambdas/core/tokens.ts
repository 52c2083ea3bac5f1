import { createCipheriv, createDecipheriv, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { EDITION_ID_PATTERN } from './config.js';
import { type ErrorKind, TidingsError } from './errors.js';
import { normalizeEmail } from './subscriber.js';
import * as z from './zod.js';

/**
 * Signed links for readers. A token is `<keyId>.<payload>.<mac>`, all base64url:
 * - `keyId` names the key that signed it, so the active secret can rotate while old links (an
 *   unsubscribe link in last year's digest) still verify against the retired key kept in `keys`;
 * - `payload` is a small JSON object binding purpose, reader, edition(s), issue time and expiry;
 * - `mac` is HMAC-SHA-256 over `v1.<keyId>.<payload>`, compared in constant time.
 * The payload is only encoded, but the reader in it is an opaque reader id (see
 * {@link readerIdOf}), so a link seen in a proxy or scanner log does not give the address away.
 * Tokens made before reader ids carried the address itself (`e`); they still verify, so the
 * unsubscribe links already mailed keep working.
 */

export type TokenPurpose = 'confirm' | 'unsubscribe' | 'preferences';
export const TOKEN_PURPOSES: readonly TokenPurpose[] = ['confirm', 'unsubscribe', 'preferences'];

export interface TokenKey {
  id: string;
  secret: Uint8Array;
}

export interface Keyring {
  /** The key new tokens are signed with. */
  active: TokenKey;
  /** Every key still accepted for verification, the active one included. */
  keys: TokenKey[];
}

export interface TokenRequest {
  purpose: TokenPurpose;
  email: string;
  /** The edition an unsubscribe link leaves, or the edition a preferences link came from. */
  edition?: string;
  /** The editions a confirmation link activates. */
  editions?: readonly string[];
  /** Absent: the token never expires (unsubscribe and preferences links). */
  expiresAt?: Date;
  /** When the link was made; a confirmation link carries it, so a later departure outranks it. */
  issuedAt?: Date;
}

export interface TokenClaims {
  purpose: TokenPurpose;
  /** The reader's address, recovered from the opaque reader id (or read from an old token). */
  email: string;
  edition?: string;
  editions?: string[];
  expiresAt?: Date;
  /** Absent on tokens made before issue times were recorded. */
  issuedAt?: Date;
  keyId: string;
}

export type TokenFailure = 'malformed' | 'unknown-key' | 'forged' | 'wrong-purpose' | 'expired';

/** A token that must not be honoured; `reason` says why (pages and logs use it, the claims never leak). */
export class TokenError extends TidingsError {
  override readonly name: string = 'TokenError';
  override readonly kind: ErrorKind = 'forbidden';
  constructor(
    readonly reason: TokenFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class MalformedTokenError extends TokenError {
  override readonly name = 'MalformedTokenError';
  override readonly kind = 'invalid-input';
  constructor(detail: string, options?: { cause?: unknown }) {
    super('malformed', `malformed token: ${detail}`, options);
  }
}

export class UnknownKeyTokenError extends TokenError {
  override readonly name = 'UnknownKeyTokenError';
  constructor(keyId: string) {
    super('unknown-key', `token signed with unknown key "${keyId.slice(0, 32)}"`);
  }
}

export class ForgedTokenError extends TokenError {
  override readonly name = 'ForgedTokenError';
  constructor() {
    super('forged', 'token signature does not match');
  }
}

export class WrongPurposeTokenError extends TokenError {
  override readonly name = 'WrongPurposeTokenError';
  constructor(expected: TokenPurpose, actual: string) {
    super('wrong-purpose', `token is for "${actual}", not "${expected}"`);
  }
}

export class ExpiredTokenError extends TokenError {
  override readonly name = 'ExpiredTokenError';
  constructor(
    readonly email: string,
    readonly expiredAt: Date,
    /** The editions an expired confirmation named, so a new link can be offered for the same. */
    readonly editions: readonly string[] = [],
  ) {
    super('expired', `token expired at ${expiredAt.toISOString()}`);
  }
}

/** The keyring secret is unusable (bad JSON, short secret, active key missing). */
export class KeyringError extends TidingsError {
  override readonly name = 'KeyringError';
  override readonly kind = 'internal';
}

// ---------------------------------------------------------------- keyring

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
/** 128 bits is the least HMAC-SHA-256 keys should carry; the local stack makes 256. */
const MIN_SECRET_BYTES = 16;

const keyId = z.string().check(z.regex(KEY_ID, 'key ids are 1-32 letters, digits, "_" or "-"'));
const KeyringJson = z.strictObject({
  active: keyId,
  keys: z
    .array(
      z.strictObject({
        id: keyId,
        secret: z.string().check(z.regex(/^[A-Za-z0-9+/=_-]+$/, 'must be base64')),
      }),
    )
    .check(z.minLength(1)),
});

/**
 * Parses the keyring JSON `{"active":"k1","keys":[{"id":"k1","secret":"<base64>"}]}` (the local
 * `$TIDINGS_HOME/secret` file, or the Secrets Manager secret in AWS).
 * @throws KeyringError naming what is wrong, never echoing a secret.
 */
export function parseKeyring(json: string): Keyring {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new KeyringError('token keyring is not valid JSON', { cause: error });
  }
  const parsed = KeyringJson.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new KeyringError(
      `token keyring: ${issue?.path.join('.') || 'root'} ${issue?.message ?? 'is invalid'}`,
    );
  }
  const keys: TokenKey[] = [];
  for (const key of parsed.data.keys) {
    if (keys.some((k) => k.id === key.id))
      throw new KeyringError(`token keyring: duplicate key id "${key.id}"`);
    const secret = new Uint8Array(Buffer.from(key.secret, 'base64'));
    if (secret.length < MIN_SECRET_BYTES) {
      throw new KeyringError(`token keyring: key "${key.id}" is shorter than ${MIN_SECRET_BYTES} bytes`);
    }
    keys.push({ id: key.id, secret });
  }
  const active = keys.find((k) => k.id === parsed.data.active);
  if (!active)
    throw new KeyringError(`token keyring: active key "${parsed.data.active}" is not among the keys`);
  return { active, keys };
}

// ---------------------------------------------------------------- tokens

interface Payload {
  p: string;
  /** The opaque reader id. */
  r: string;
  d?: string;
  ds?: string[];
  x?: number;
  /** Issue time, milliseconds since the epoch. */
  t?: number;
}

const B64URL = /^[A-Za-z0-9_-]+$/;
const editionId = z.string().check(z.regex(EDITION_ID_PATTERN));
const positiveInt = z.optional(z.number().check(z.int(), z.positive()));
const Common = {
  p: z.string().check(z.maxLength(20)),
  d: z.optional(editionId),
  ds: z.optional(z.array(editionId).check(z.maxLength(50))),
  x: positiveInt,
};
const PayloadSchema = z.union([
  z.strictObject({
    ...Common,
    r: z.string().check(z.regex(B64URL), z.maxLength(400)),
    t: positiveInt,
  }),
  // Before reader ids: the address itself. Still accepted, never made.
  z.strictObject({ ...Common, e: z.string().check(z.minLength(3), z.maxLength(254)) }),
]);

/** Longest token accepted; real ones are a few hundred characters. */
const MAX_TOKEN_LENGTH = 2048;

function mac(key: TokenKey, keyId: string, payload: string): Buffer {
  return createHmac('sha256', key.secret).update(`v1.${keyId}.${payload}`).digest();
}

// ---------------------------------------------------------------- opaque reader ids

const IV_BYTES = 12;
const TAG_BYTES = 16;

const derived = new WeakMap<TokenKey, Map<string, Buffer>>();

/** A key of its own for each use, derived from the token key (HKDF-SHA-256), once per key. */
function derivedKey(key: TokenKey, use: string): Buffer {
  let uses = derived.get(key);
  if (!uses) {
    uses = new Map();
    derived.set(key, uses);
  }
  let out = uses.get(use);
  if (!out) {
    out = Buffer.from(hkdfSync('sha256', key.secret, new Uint8Array(0), `tidings ${use}`, 32));
    uses.set(use, out);
  }
  return out;
}

/**
 * The opaque reader id a token carries instead of the address: the normalised address encrypted
 * with AES-256-GCM under a key derived from the signing key. The nonce is a keyed hash of the
 * address (a synthetic IV), so one reader has one id per key and no randomness is needed; a
 * nonce repeats only for the same address, which GCM tolerates. Without the key the id says
 * nothing; with it, the address comes back without any lookup, so every reader has an id, old
 * and new alike, and a forgotten reader's id points at nothing on record.
 */
export function readerIdOf(key: TokenKey, email: string): string {
  const address = normalizeEmail(email);
  const iv = createHmac('sha256', derivedKey(key, 'reader id nonce'))
    .update(address)
    .digest()
    .subarray(0, IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', derivedKey(key, 'reader id'), iv);
  const sealed = Buffer.concat([cipher.update(address, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url');
}

/** The address behind a reader id, or undefined when the id was not made with this key. */
function addressOf(key: TokenKey, readerId: string): string | undefined {
  const bytes = Buffer.from(readerId, 'base64url');
  if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      derivedKey(key, 'reader id'),
      bytes.subarray(0, IV_BYTES),
    );
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    const plain = Buffer.concat([
      decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]);
    return plain.toString('utf8');
  } catch {
    return undefined;
  }
}

/** Signs a token for one purpose and reader with the keyring's active key. */
export function signToken(keyring: Keyring, request: TokenRequest): string {
  return signFor(keyring, request, readerIdOf(keyring.active, request.email));
}

/** {@link signToken} with the reader id already made (a digest's two links share it). */
function signFor(keyring: Keyring, request: TokenRequest, readerId: string): string {
  const key = keyring.active;
  const payload: Payload = { p: request.purpose, r: readerId };
  if (request.edition !== undefined) payload.d = request.edition;
  if (request.editions !== undefined) payload.ds = [...request.editions];
  if (request.expiresAt !== undefined) payload.x = Math.floor(request.expiresAt.getTime() / 1000);
  if (request.issuedAt !== undefined) payload.t = request.issuedAt.getTime();
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${key.id}.${encoded}.${mac(key, key.id, encoded).toString('base64url')}`;
}

/**
 * Checks a token's key, signature (constant time), purpose and expiry, in that order, and
 * returns its claims.
 * @throws TokenError (a subclass per reason: malformed, unknown key, forged, wrong purpose, expired)
 */
export function verifyToken(keyring: Keyring, token: string, purpose: TokenPurpose, now: Date): TokenClaims {
  if (typeof token !== 'string' || token.length === 0) throw new MalformedTokenError('empty');
  if (token.length > MAX_TOKEN_LENGTH) throw new MalformedTokenError('too long');
  const parts = token.split('.');
  const [keyId, encoded, signature] = parts;
  if (parts.length !== 3 || !keyId || !encoded || !signature) {
    throw new MalformedTokenError('expected three dot-separated parts');
  }
  if (!KEY_ID.test(keyId) || !B64URL.test(encoded) || !B64URL.test(signature)) {
    throw new MalformedTokenError('unexpected characters');
  }
  const key = keyring.keys.find((k) => k.id === keyId);
  if (!key) throw new UnknownKeyTokenError(keyId);
  const expected = mac(key, keyId, encoded);
  const given = Buffer.from(signature, 'base64url');
  // timingSafeEqual needs equal lengths; comparing against itself keeps the work the same.
  const sameLength = given.length === expected.length;
  if (!timingSafeEqual(sameLength ? given : expected, expected) || !sameLength) throw new ForgedTokenError();
  let payload: z.infer<typeof PayloadSchema>;
  try {
    payload = PayloadSchema.parse(JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')));
  } catch (error) {
    // Only a key holder can get here, so this is our own bug or a misused key, not a visitor.
    throw new MalformedTokenError('payload is not a token payload', { cause: error });
  }
  if (payload.p !== purpose) throw new WrongPurposeTokenError(purpose, payload.p);
  let email: string;
  if ('r' in payload) {
    const address = addressOf(key, payload.r);
    // Signed but not sealed with the same key: our own bug or a misused key, as above.
    if (address === undefined) throw new MalformedTokenError('reader id does not open with its key');
    email = address;
  } else {
    email = payload.e;
  }
  const claims: TokenClaims = { purpose, email, keyId };
  if (payload.d !== undefined) claims.edition = payload.d;
  if (payload.ds !== undefined) claims.editions = payload.ds;
  if ('t' in payload && payload.t !== undefined) claims.issuedAt = new Date(payload.t);
  if (payload.x !== undefined) {
    claims.expiresAt = new Date(payload.x * 1000);
    if (claims.expiresAt.getTime() <= now.getTime())
      throw new ExpiredTokenError(email, claims.expiresAt, payload.ds);
  }
  return claims;
}

// ---------------------------------------------------------------- links in every digest

export interface ReaderLinks {
  /** `{base}/unsubscribe?token=…`: the page, and the RFC 8058 one-click POST target. */
  unsubscribeUrl: string;
  /** `{base}/preferences?token=…` */
  preferencesUrl: string;
  /** `mailto:unsubscribe+<edition>.<code>@<mailDomain>` */
  unsubscribeMailto: string;
}

/** Longest local part RFC 5321 allows. */
export const MAX_LOCAL_PART = 64;
const MAILTO_PREFIX = 'unsubscribe+';
/** 16 base32 characters: 80 bits of HMAC, beyond guessing for one address and edition. */
const MAILTO_CODE_LENGTH = 16;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Uint8Array, length: number): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
    if (out.length >= length) break;
  }
  return out;
}

function mailtoCode(key: TokenKey, email: string, edition: string): string {
  const digest = createHmac('sha256', key.secret)
    .update(`mailto-unsubscribe\u0000${email}\u0000${edition}`)
    .digest();
  return base32(digest, MAILTO_CODE_LENGTH);
}

/** The public base URL without trailing slashes, ready for `/path` to be appended. */
export function trimBaseUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

/**
 * The links every digest carries for one reader and edition. The `mailto:` address cannot hold a
 * full token (a local part is at most 64 characters), so it carries the edition and a truncated
 * HMAC of (address, edition) that {@link verifyMailtoUnsubscribe} checks against the From address
 * of the mail that arrives there. Lower-case base32 survives mail systems that fold case.
 */
export function readerLinks(
  keyring: Keyring,
  options: { baseUrl: string; mailDomain: string; email: string; edition: string },
): ReaderLinks {
  const email = normalizeEmail(options.email);
  const base = trimBaseUrl(options.baseUrl);
  const readerId = readerIdOf(keyring.active, email);
  const unsubscribe = signFor(keyring, { purpose: 'unsubscribe', email, edition: options.edition }, readerId);
  const preferences = signFor(keyring, { purpose: 'preferences', email, edition: options.edition }, readerId);
  const localPart = `${MAILTO_PREFIX}${options.edition}.${mailtoCode(keyring.active, email, options.edition)}`;
  if (localPart.length > MAX_LOCAL_PART) {
    throw new RangeError(`unsubscribe mailbox "${localPart}" is longer than ${MAX_LOCAL_PART} characters`);
  }
  return {
    unsubscribeUrl: `${base}/unsubscribe?token=${unsubscribe}`,
    preferencesUrl: `${base}/preferences?token=${preferences}`,
    unsubscribeMailto: `mailto:${localPart}@${options.mailDomain}`,
  };
}

/**
 * Checks mail sent to the `mailto:` unsubscribe address: `localPart` (`unsubscribe+<edition>.<code>`,
 * the bare code, or the whole address) must carry the code of (From address, edition) under any
 * key of the keyring. Returns what to unsubscribe, or undefined when the code does not match:
 * a spoofed From needs that address's code, and a forwarded digest only lets its holder leave
 * that one edition for that one address. (The feedback handler should also require SES's SPF or
 * DKIM verdict to pass.)
 */
export function verifyMailtoUnsubscribe(
  keyring: Keyring,
  localPart: string,
  fromAddress: string,
): { email: string; edition: string } | undefined {
  let local = localPart.trim().toLowerCase();
  const at = local.lastIndexOf('@');
  if (at >= 0) local = local.slice(0, at);
  if (local.startsWith(MAILTO_PREFIX)) local = local.slice(MAILTO_PREFIX.length);
  const dot = local.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const edition = local.slice(0, dot);
  const code = local.slice(dot + 1);
  if (!EDITION_ID_PATTERN.test(edition) || code.length !== MAILTO_CODE_LENGTH) return undefined;
  const email = normalizeEmail(fromAddress);
  const given = Buffer.from(code);
  let matched = false;
  for (const key of keyring.keys) {
    // Every key is tried, match or not, so the time taken does not say which key matched.
    if (timingSafeEqual(Buffer.from(mailtoCode(key, email, edition)), given)) matched = true;
  }
  return matched ? { email, edition } : undefined;
}

/**
 * A keyed hash of a client's network address for the consent record: proves "the same client"
 * without keeping the address. Prefixed with the key id, as the hash changes when keys rotate.
 */
export function hashClientAddress(keyring: Keyring, address: string): string {
  const digest = createHmac('sha256', keyring.active.secret)
    .update(`client-address\u0000${address}`)
    .digest('hex');
  return `${keyring.active.id}:${digest.slice(0, 32)}`;
}
