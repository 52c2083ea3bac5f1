import { type EditionConfig, findEdition, type TidingsConfig } from './config.js';
import { TidingsError } from './errors.js';
import type { Clock, Mailer, OutgoingMessage, SubscriberStore } from './ports.js';
import {
  ConcurrentUpdateError,
  type Consent,
  type ConsentMethod,
  isValidEmail,
  MAX_EMAIL_LENGTH,
  normalizeEmail,
  type Subscriber,
} from './subscriber.js';
import { keepsRule, SINGLE_LINE } from './text-rules.js';
import { hashClientAddress, type Keyring, signToken, trimBaseUrl, verifyToken } from './tokens.js';

/**
 * The readers' use cases: subscribe (double opt-in), confirm, unsubscribe, preferences, and the
 * operator's add, remove, import and forget. Every change is computed from a fresh read and saved
 * with the read's version, retried when someone else saved first.
 *
 * Rules a reader can rely on:
 * - Asking is not having: a request from the form only records what was asked; editions are
 *   delivered once the owner of the address confirms through the emailed link. So nothing a
 *   stranger posts changes what an existing reader receives.
 * - At most one confirmation email per address per window (`api.confirmationWindowMinutes`);
 *   requests inside the window are added to the outstanding request, which the next email covers.
 * - Bounced and complained addresses are never mailed again, even after `forget`; a request for
 *   one is answered like any other and does nothing. A forgotten reader who had simply left may
 *   subscribe again.
 */

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
}

/** A request that cannot be honoured as sent (bad address, unknown edition, bad CSV); maps to 400 / exit 2. */
export class SubscriptionInputError extends TidingsError {
  override readonly name = 'SubscriptionInputError';
  override readonly kind = 'invalid-input';
  constructor(
    readonly field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A confirmation link for an address that no longer has a request on record (forgotten, suppressed). */
export class NothingToConfirmError extends TidingsError {
  override readonly name = 'NothingToConfirmError';
  override readonly kind = 'not-found';
}

/** No subscription is on record for the address a preferences link names. */
export class NotSubscribedError extends TidingsError {
  override readonly name = 'NotSubscribedError';
  override readonly kind = 'not-found';
}

/** The operator asked to mail an address that bounced or complained. */
export class SuppressedAddressError extends TidingsError {
  override readonly name = 'SuppressedAddressError';
  override readonly kind = 'invalid-input';
}

// ---------------------------------------------------------------- validation

/** The normalised address, or a {@link SubscriptionInputError} saying what is wrong with it. */
export function parseEmail(raw: unknown): string {
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw new SubscriptionInputError('email', 'an email address is required');
  }
  if (raw.length > MAX_EMAIL_LENGTH + 2) {
    throw new SubscriptionInputError('email', `an email address is at most ${MAX_EMAIL_LENGTH} characters`);
  }
  const email = normalizeEmail(raw);
  if (!isValidEmail(email)) {
    throw new SubscriptionInputError(
      'email',
      'that does not look like an email address (e.g. reader@example.com)',
    );
  }
  return email;
}

/** Configured edition ids (deduplicated, in configuration order), or an error naming the unknown one. */
export function parseEditions(
  config: TidingsConfig,
  raw: unknown,
  options: { allowEmpty?: boolean } = {},
): string[] {
  if (!Array.isArray(raw) || raw.length > 50) {
    throw new SubscriptionInputError('editions', 'editions must be a list of edition ids');
  }
  const asked = new Set<string>();
  for (const value of raw) {
    if (typeof value !== 'string') throw new SubscriptionInputError('editions', 'edition ids are strings');
    const id = value.trim();
    if (!findEdition(config, id)) {
      throw new SubscriptionInputError(
        'editions',
        `unknown edition "${id.slice(0, 40)}"; choose from ${config.editions.map((e) => e.id).join(', ')}`,
      );
    }
    asked.add(id);
  }
  if (asked.size === 0 && !options.allowEmpty) {
    throw new SubscriptionInputError('editions', 'choose at least one edition');
  }
  return config.editions.filter((e) => asked.has(e.id)).map((e) => e.id);
}

/** An optional display name: one line, no control or bidi-override characters, at most 100 characters. */
export function parseName(raw: unknown): string | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string') throw new SubscriptionInputError('name', 'name must be text');
  const name = raw.trim();
  if (name.length > 100) throw new SubscriptionInputError('name', 'name is at most 100 characters');
  if (!keepsRule(SINGLE_LINE, name))
    throw new SubscriptionInputError('name', 'name must be one line of plain text');
  return name === '' ? undefined : name;
}

// ---------------------------------------------------------------- helpers

const MAX_ATTEMPTS = 4;

/** Re-reads and re-applies a change when another writer saved the subscriber first. */
async function withRetry<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

function ordered(config: TidingsConfig, ids: readonly string[]): string[] {
  const wanted = new Set(ids);
  return config.editions.filter((e) => wanted.has(e.id)).map((e) => e.id);
}

function editionConfigs(config: TidingsConfig, ids: readonly string[]): EditionConfig[] {
  const wanted = new Set(ids);
  return config.editions.filter((e) => wanted.has(e.id));
}

function isHardSuppressed(status: Subscriber['status'] | undefined): boolean {
  return status === 'bounced' || status === 'complained';
}

function consentOf(
  deps: Pick<SubscriptionDeps, 'keyring'>,
  method: ConsentMethod,
  at: string,
  clientAddress: string | undefined,
): Consent {
  const consent: Consent = { method, givenAt: at };
  if (clientAddress) consent.clientHash = hashClientAddress(deps.keyring, clientAddress);
  return consent;
}

function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * 86_400_000);
}

type Changes = { [K in keyof Subscriber]?: Subscriber[K] | undefined };

/** A copy of `base` with `changes` applied; a change to `undefined` removes the field. */
function patch(base: Subscriber, changes: Changes): Subscriber {
  const out: Record<string, unknown> = { ...base, ...changes };
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
  return out as unknown as Subscriber;
}

/** Removes the optional fields whose value is undefined (exactOptionalPropertyTypes forbids them). */
function compact(subscriber: Subscriber): Subscriber {
  return patch(subscriber, {});
}

// ---------------------------------------------------------------- subscribe

export interface SubscribeRequest {
  email: string;
  editions: readonly string[];
  name?: string;
  /** The client's network address; only its keyed hash is kept. */
  clientAddress?: string;
  method?: Extract<ConsentMethod, 'form' | 'import'>;
}

/**
 * What happened, for logs and tests. Never shown to the client: every outcome is answered alike.
 * `sent`: a confirmation went out; `recorded`: the request was added but a confirmation went out
 * within the window; `suppressed`: the address bounced or complained, nothing done.
 */
export type SubscribeOutcome = 'sent' | 'recorded' | 'suppressed';

/**
 * Double opt-in, step one: records the request and emails a confirmation link, at most once per
 * address per window.
 * @throws SubscriptionInputError for a bad address or edition
 */
export async function subscribe(
  deps: SubscriptionDeps,
  request: SubscribeRequest,
): Promise<SubscribeOutcome> {
  const { config, store } = deps;
  // 1. Validate everything before touching storage.
  const email = parseEmail(request.email);
  const asked = parseEditions(config, request.editions);
  const name = parseName(request.name);
  const method = request.method ?? 'form';

  // 2. Never mail an address that bounced or complained, even one forgotten since.
  let first: Promise<Subscriber | undefined> | undefined = store.get(email);
  first.catch(() => undefined); // awaited below, or dropped when the address is suppressed
  const suppression = await store.suppression(email);
  if (suppression && suppression.reason !== 'forgotten') return 'suppressed';

  return withRetry(async () => {
    const now = deps.clock.now();
    const nowIso = now.toISOString();
    // The first attempt uses the read started beside the suppression lookup; retries read afresh.
    const existing = await (first ?? store.get(email));
    first = undefined;
    if (isHardSuppressed(existing?.status)) return 'suppressed';

    // 3. Record what was asked, without changing what anyone receives.
    const consent = consentOf(deps, method, nowIso, request.clientAddress);
    let next: Subscriber;
    let toConfirm: string[];
    if (!existing) {
      next = {
        email,
        status: 'pending',
        editions: asked,
        createdAt: nowIso,
        updatedAt: nowIso,
        consent,
        expiresAt: addDays(now, config.api.confirmationTtlDays + 1).toISOString(),
        version: 0,
      };
      if (name !== undefined) next.name = name;
      toConfirm = asked;
    } else if (existing.status === 'pending') {
      toConfirm = ordered(config, union(existing.editions, asked));
      next = {
        ...existing,
        editions: toConfirm,
        updatedAt: nowIso,
        consent,
        expiresAt: addDays(now, config.api.confirmationTtlDays + 1).toISOString(),
      };
    } else {
      // Active or unsubscribed: the ask waits beside the current state until confirmed. Editions
      // already delivered are not waiting for anything; the link still names them, harmlessly.
      toConfirm = ordered(config, union(existing.pendingEditions ?? [], asked));
      const active = existing.status === 'active' ? existing.editions : [];
      const waiting = toConfirm.filter((e) => !active.includes(e));
      next = patch(existing, {
        pendingEditions: waiting.length > 0 ? waiting : undefined,
        pendingConsent: waiting.length > 0 ? consent : undefined,
        updatedAt: nowIso,
      });
    }

    // 4. One confirmation per address per window.
    const windowMs = config.api.confirmationWindowMinutes * 60_000;
    const last = existing?.lastConfirmationSentAt ? Date.parse(existing.lastConfirmationSentAt) : undefined;
    const send = last === undefined || now.getTime() - last >= windowMs || now.getTime() < last;
    if (!send) {
      // Asked again for what is already waiting: nothing to record (and nothing to race over).
      const outstanding =
        existing?.status === 'pending'
          ? existing.editions
          : [
              ...(existing?.pendingEditions ?? []),
              ...(existing?.status === 'active' ? existing.editions : []),
            ];
      if (asked.every((e) => outstanding.includes(e))) return 'recorded';
      await store.save(compact(next));
      return 'recorded';
    }
    next.lastConfirmationSentAt = nowIso;
    await store.save(compact(next));

    // 5. Mail the link; the save above already closed the window against concurrent requests.
    const expiresAt = addDays(now, config.api.confirmationTtlDays);
    const token = signToken(deps.keyring, { purpose: 'confirm', email, editions: toConfirm, expiresAt });
    const message: ConfirmationMessage = {
      to: email,
      editions: editionConfigs(config, toConfirm),
      confirmUrl: `${trimBaseUrl(config.baseUrl)}/confirm?token=${token}`,
      expiresAt,
    };
    const greetingName = next.name;
    if (greetingName !== undefined) message.name = greetingName;
    try {
      await deps.mailer.send(await deps.confirmationEmail.compose(message));
    } catch (error) {
      await reopenWindow(store, email, nowIso, existing?.lastConfirmationSentAt);
      throw error;
    }
    return 'sent';
  });
}

/**
 * Nothing was mailed after all: give the window back, so that asking again does send a link.
 * Best effort; if it fails, the window simply runs out.
 */
async function reopenWindow(
  store: SubscriberStore,
  email: string,
  closedAt: string,
  before: string | undefined,
): Promise<void> {
  try {
    const current = await store.get(email);
    if (current?.lastConfirmationSentAt !== closedAt) return;
    await store.save(patch(current, { lastConfirmationSentAt: before }));
  } catch {
    // The original failure is what the caller needs to see.
  }
}

// ---------------------------------------------------------------- confirm

export interface ConfirmView {
  email: string;
  /** The editions the link activates. */
  editions: string[];
  /** True when they are all active already (the link was used before). */
  alreadyConfirmed: boolean;
}

/**
 * What a confirmation link would do, for the page behind `GET /confirm` (changes nothing).
 * @throws TokenError for a forged, expired or misused token; NothingToConfirmError
 */
export async function previewConfirmation(deps: SubscriptionDeps, token: string): Promise<ConfirmView> {
  const claims = verifyToken(deps.keyring, token, 'confirm', deps.clock.now());
  const existing = await deps.store.get(claims.email);
  if (!existing || isHardSuppressed(existing.status)) {
    throw new NothingToConfirmError('there is no request to confirm for this address any more');
  }
  const editions = ordered(deps.config, claims.editions ?? []);
  return {
    email: claims.email,
    editions,
    alreadyConfirmed: existing.status === 'active' && editions.every((e) => existing.editions.includes(e)),
  };
}

/**
 * Double opt-in, step two (`POST /confirm`): activates the editions the link names. Idempotent:
 * a second press changes nothing and answers the same.
 * @throws TokenError; NothingToConfirmError when the request is gone (forgotten, bounced)
 */
export async function confirm(
  deps: SubscriptionDeps,
  token: string,
  clientAddress?: string,
): Promise<ConfirmView> {
  const claims = verifyToken(deps.keyring, token, 'confirm', deps.clock.now());
  const editions = ordered(deps.config, claims.editions ?? []);
  if (editions.length === 0)
    throw new NothingToConfirmError('this link names no edition that is still published');
  return withRetry(async () => {
    const now = deps.clock.now().toISOString();
    const existing = await deps.store.get(claims.email);
    if (!existing || isHardSuppressed(existing.status)) {
      throw new NothingToConfirmError('there is no request to confirm for this address any more');
    }
    const alreadyConfirmed =
      existing.status === 'active' && editions.every((e) => existing.editions.includes(e));
    if (alreadyConfirmed) return { email: claims.email, editions, alreadyConfirmed };

    const active = existing.status === 'active' ? existing.editions : [];
    const stillAsked = (
      existing.status === 'pending' ? existing.editions : (existing.pendingEditions ?? [])
    ).filter((e) => !editions.includes(e) && !active.includes(e));
    const given =
      existing.status === 'pending' ? existing.consent : (existing.pendingConsent ?? existing.consent);
    const consent: Consent = { ...given, confirmedAt: now };
    if (clientAddress) consent.confirmClientHash = hashClientAddress(deps.keyring, clientAddress);
    else delete consent.confirmClientHash;
    const next = patch(existing, {
      status: 'active',
      editions: ordered(deps.config, union(active, editions)),
      updatedAt: now,
      consent,
      statusReason: 'confirmed',
      pendingEditions: stillAsked.length > 0 ? stillAsked : undefined,
      pendingConsent: stillAsked.length > 0 ? existing.pendingConsent : undefined,
      expiresAt: undefined,
    });
    await deps.store.save(next);
    return { email: claims.email, editions, alreadyConfirmed: false };
  });
}

// ---------------------------------------------------------------- unsubscribe

export interface UnsubscribeView {
  email: string;
  /** The edition the link leaves; undefined for a link that leaves everything. */
  edition?: string;
  /** Editions still read after leaving. */
  remaining: string[];
}

/**
 * What an unsubscribe link would do (`GET /unsubscribe`; changes nothing).
 * @throws TokenError
 */
export async function previewUnsubscribe(deps: SubscriptionDeps, token: string): Promise<UnsubscribeView> {
  const claims = verifyToken(deps.keyring, token, 'unsubscribe', deps.clock.now());
  const existing = await deps.store.get(claims.email);
  const view: UnsubscribeView = {
    email: claims.email,
    remaining: (existing?.status === 'active' ? existing.editions : []).filter((e) => e !== claims.edition),
  };
  if (claims.edition !== undefined) view.edition = claims.edition;
  return view;
}

/**
 * Leaves the edition the token names (all editions for a token without one); the status becomes
 * `unsubscribed` once none is left. Idempotent, and a no-op for an address no longer on record.
 * @throws TokenError
 */
export async function unsubscribe(
  deps: SubscriptionDeps,
  token: string,
  via: 'page' | 'one-click' | 'mail' | 'operator' = 'page',
): Promise<UnsubscribeView> {
  const claims = verifyToken(deps.keyring, token, 'unsubscribe', deps.clock.now());
  return leave(deps, claims.email, claims.edition, via);
}

/**
 * Leaves one edition (or all) for an address already authenticated by other means: a verified
 * token, the `mailto:` code checked against the From address, or the operator.
 */
export async function leave(
  deps: SubscriptionDeps,
  email: string,
  edition: string | undefined,
  via: 'page' | 'one-click' | 'mail' | 'operator' | 'preferences',
): Promise<UnsubscribeView> {
  return withRetry(async () => {
    const existing = await deps.store.get(email);
    const view: UnsubscribeView = { email, remaining: [] };
    if (edition !== undefined) view.edition = edition;
    if (!existing) return view;
    const leaves = (e: string): boolean => edition === undefined || e === edition;
    const editions = existing.editions.filter((e) => !leaves(e));
    const pending = (existing.pendingEditions ?? []).filter((e) => !leaves(e));
    view.remaining = existing.status === 'active' ? editions : [];
    const changed =
      editions.length !== existing.editions.length ||
      pending.length !== (existing.pendingEditions ?? []).length;
    const becomesUnsubscribed =
      editions.length === 0 && (existing.status === 'active' || existing.status === 'pending');
    if (!changed && !becomesUnsubscribed) return view;
    const now = deps.clock.now().toISOString();
    const changes: Changes = {
      editions,
      pendingEditions: pending.length > 0 ? pending : undefined,
      pendingConsent: pending.length > 0 ? existing.pendingConsent : undefined,
      updatedAt: now,
    };
    if (becomesUnsubscribed) {
      changes.status = 'unsubscribed';
      changes.statusReason =
        via === 'one-click'
          ? 'one-click unsubscribe'
          : via === 'mail'
            ? 'unsubscribe by mail'
            : `unsubscribed (${via})`;
      // An unsubscribed record is kept as the reader's history; it no longer expires.
      changes.expiresAt = undefined;
    }
    await deps.store.save(patch(existing, changes));
    return view;
  });
}

// ---------------------------------------------------------------- preferences

export interface PreferencesView {
  email: string;
  status: Subscriber['status'];
  /** Editions delivered now. */
  editions: string[];
  /** The edition whose digest carried the link. */
  from?: string;
}

/**
 * The reader's current choice, for `GET /preferences` (changes nothing).
 * @throws TokenError; NotSubscribedError
 */
export async function readPreferences(deps: SubscriptionDeps, token: string): Promise<PreferencesView> {
  const claims = verifyToken(deps.keyring, token, 'preferences', deps.clock.now());
  const existing = await deps.store.get(claims.email);
  if (!existing) throw new NotSubscribedError('no subscription is on record for this address');
  const view: PreferencesView = {
    email: existing.email,
    status: existing.status,
    editions: existing.status === 'active' ? existing.editions : [],
  };
  if (claims.edition !== undefined) view.from = claims.edition;
  return view;
}

/**
 * Sets the editions a reader receives; an empty choice leaves all. The link came to the reader's
 * own mailbox, so choosing editions there needs no further confirmation; an address that bounced
 * or complained stays as it is.
 * @throws TokenError; SubscriptionInputError; NotSubscribedError
 */
export async function updatePreferences(
  deps: SubscriptionDeps,
  token: string,
  chosen: readonly string[],
  clientAddress?: string,
): Promise<PreferencesView> {
  const claims = verifyToken(deps.keyring, token, 'preferences', deps.clock.now());
  const editions = parseEditions(deps.config, chosen, { allowEmpty: true });
  if (editions.length === 0) {
    await leave(deps, claims.email, undefined, 'preferences');
    return readPreferences(deps, token);
  }
  await withRetry(async () => {
    const existing = await deps.store.get(claims.email);
    if (!existing) throw new NotSubscribedError('no subscription is on record for this address');
    if (isHardSuppressed(existing.status))
      throw new SuppressedAddressError('this address cannot receive mail');
    const same =
      existing.status === 'active' &&
      existing.editions.length === editions.length &&
      editions.every((e) => existing.editions.includes(e));
    if (same) return;
    const now = deps.clock.now().toISOString();
    const next = { ...existing, editions, updatedAt: now, statusReason: 'preferences' } as Subscriber;
    if (existing.status !== 'active') {
      // Coming back through one's own mailbox link is a confirmed request.
      next.status = 'active';
      next.consent = { ...consentOf(deps, 'form', now, clientAddress), confirmedAt: now };
      delete next.expiresAt;
    }
    next.pendingEditions = (existing.pendingEditions ?? []).filter((e) => !editions.includes(e));
    if (next.pendingEditions.length === 0) {
      delete next.pendingEditions;
      delete next.pendingConsent;
    }
    await deps.store.save(compact(next));
  });
  return readPreferences(deps, token);
}

// ---------------------------------------------------------------- operator

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

/** Operator's remove: unsubscribed from everything, the record kept. False when there is no such subscriber. */
export async function removeSubscriber(deps: SubscriptionDeps, rawEmail: string): Promise<boolean> {
  const email = parseEmail(rawEmail);
  const existing = await deps.store.get(email);
  if (!existing) return false;
  await leave(deps, email, undefined, 'operator');
  return true;
}

/** Erases the reader, keeping only a hashed suppression entry. False when nothing was held. */
export async function forgetSubscriber(deps: SubscriptionDeps, rawEmail: string): Promise<boolean> {
  const email = parseEmail(rawEmail);
  return deps.store.forget(email, deps.clock.now());
}

// ---------------------------------------------------------------- import

export interface ImportRow {
  /** 1-based line of the CSV where the row starts. */
  line: number;
  email: string;
  editions: string[];
  optedIn: boolean;
}

export interface ImportProblem {
  line: number;
  reason: string;
}

/** Longest CSV accepted by `subscribers import`; larger lists are split by the operator. */
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;

/** Splits CSV text into records (RFC 4180: quotes, doubled quotes, line breaks inside quotes), with each record's first line. */
export function parseCsvRecords(text: string): { line: number; fields: string[]; error?: string }[] {
  const records: { line: number; fields: string[]; error?: string }[] = [];
  let line = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    let field = '';
    let error: string | undefined;
    for (;;) {
      if (text[i] === '"') {
        i++;
        let closed = false;
        while (i < text.length) {
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (!closed) error = 'a quoted field is not closed';
        // Text after a closing quote is malformed (RFC 4180): reported rather than guessed at.
        if (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          error ??= 'unexpected text after a closing quote';
          while (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r')
            field += text[i++];
        }
      } else {
        while (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') field += text[i++];
      }
      fields.push(field);
      field = '';
      if (text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    const record: { line: number; fields: string[]; error?: string } = { line: start, fields };
    if (error) record.error = error;
    if (!(fields.length === 1 && fields[0]?.trim() === '')) records.push(record);
  }
  return records;
}

/**
 * Reads an import file: columns `email,editions[,opted_in]`, an optional header row naming them.
 * Editions within the field are separated by `;`, `|`, or commas inside a quoted field
 * (`"dc,sg"`). `opted_in` is `yes` for readers who already confirmed elsewhere; empty or `no`
 * otherwise. Bad rows are reported by line with the reason and left out.
 */
export function parseSubscriberCsv(
  config: TidingsConfig,
  text: string,
): { rows: ImportRow[]; problems: ImportProblem[] } {
  const rows: ImportRow[] = [];
  const problems: ImportProblem[] = [];
  const seen = new Map<string, number>();
  const records = parseCsvRecords(text);
  const header = records[0]?.fields[0]?.trim().toLowerCase();
  if (header === 'email' || header === 'e-mail') records.shift();
  for (const record of records) {
    const { line, fields } = record;
    if (record.error) {
      problems.push({ line, reason: record.error });
      continue;
    }
    if (fields.length < 2 || fields.length > 3) {
      problems.push({
        line,
        reason: `expected 2 or 3 columns (email,editions[,opted_in]), found ${fields.length}`,
      });
      continue;
    }
    const [rawEmail = '', rawEditions = '', rawOptIn = ''] = fields;
    try {
      const email = parseEmail(rawEmail);
      const editions = parseEditions(
        config,
        rawEditions
          .split(/[;|,]/)
          .map((e) => e.trim())
          .filter(Boolean),
      );
      const optIn = rawOptIn.trim().toLowerCase();
      if (optIn !== '' && optIn !== 'yes' && optIn !== 'no') {
        throw new SubscriptionInputError(
          'opted_in',
          `opted_in must be "yes", "no" or empty, not "${optIn.slice(0, 20)}"`,
        );
      }
      const earlier = seen.get(email);
      if (earlier !== undefined) {
        problems.push({ line, reason: `${email} appears already on line ${earlier}` });
        continue;
      }
      seen.set(email, line);
      rows.push({ line, email, editions, optedIn: optIn === 'yes' });
    } catch (error) {
      if (!(error instanceof SubscriptionInputError)) throw error;
      problems.push({ line, reason: error.message });
    }
  }
  return { rows, problems };
}

export type ImportOutcome =
  | AddOutcome
  | 'confirmation sent'
  | 'request recorded'
  | 'suppressed'
  | 'left earlier';

/**
 * Imports parsed rows one by one: opted-in rows become active (consent `import`), others get a
 * confirmation email and stay pending. Rows that fail are reported, the rest go on.
 */
export async function importSubscribers(
  deps: SubscriptionDeps,
  rows: readonly ImportRow[],
): Promise<{ line: number; email: string; outcome?: ImportOutcome; problem?: string }[]> {
  const results: { line: number; email: string; outcome?: ImportOutcome; problem?: string }[] = [];
  for (const row of rows) {
    try {
      let outcome: ImportOutcome;
      if (row.optedIn) {
        outcome = await addSubscriber(deps, { email: row.email, editions: row.editions, method: 'import' });
      } else {
        const result = await subscribe(deps, { email: row.email, editions: row.editions, method: 'import' });
        outcome =
          result === 'sent' ? 'confirmation sent' : result === 'recorded' ? 'request recorded' : 'suppressed';
      }
      results.push({ line: row.line, email: row.email, outcome });
    } catch (error) {
      if (error instanceof SuppressedAddressError) {
        results.push({ line: row.line, email: row.email, outcome: 'suppressed' });
      } else {
        results.push({ line: row.line, email: row.email, problem: (error as Error).message });
      }
    }
  }
  return results;
}
