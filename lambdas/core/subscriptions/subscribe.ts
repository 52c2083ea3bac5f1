import type { SubscriberStore } from '../ports.js';
import type { ConsentMethod, Rhythm, Subscriber } from '../subscriber.js';
import { signToken, trimBaseUrl } from '../tokens.js';
import {
  addDays,
  compact,
  consentOf,
  editionConfigs,
  isHardSuppressed,
  ordered,
  patch,
  union,
  withRetry,
} from './changes.js';
import type { ConfirmationMessage, SubscriptionDeps } from './deps.js';
import { parseEditions, parseEmail, parseName, parseRhythm, parseTimeZone } from './input.js';

export interface SubscribeRequest {
  email: string;
  editions: readonly string[];
  name?: string;
  /**
   * The reader's IANA zone and rhythm. Kept for a new or still unconfirmed address; a reader
   * already on record changes them on their preferences page, so a stranger's post changes
   * nothing they receive.
   */
  timeZone?: string;
  rhythm?: Rhythm;
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
  const timeZone = parseTimeZone(request.timeZone);
  const rhythm = parseRhythm(request.rhythm);
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
      if (timeZone !== undefined) next.timeZone = timeZone;
      if (rhythm !== undefined) next.rhythm = rhythm;
      toConfirm = asked;
    } else if (existing.status === 'pending') {
      toConfirm = ordered(config, union(existing.editions, asked));
      next = patch(existing, {
        editions: toConfirm,
        updatedAt: nowIso,
        consent,
        expiresAt: addDays(now, config.api.confirmationTtlDays + 1).toISOString(),
        timeZone: timeZone ?? existing.timeZone,
        rhythm: rhythm ?? existing.rhythm,
      });
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
      const sameChoices =
        existing?.status !== 'pending' ||
        ((timeZone ?? existing.timeZone) === existing.timeZone &&
          (rhythm ?? existing.rhythm) === existing.rhythm);
      if (sameChoices && asked.every((e) => outstanding.includes(e))) return 'recorded';
      await store.save(compact(next));
      return 'recorded';
    }
    next.lastConfirmationSentAt = nowIso;
    await store.save(compact(next));

    // 5. Mail the link; the save above already closed the window against concurrent requests.
    const expiresAt = addDays(now, config.api.confirmationTtlDays);
    const token = signToken(deps.keyring, {
      purpose: 'confirm',
      email,
      editions: toConfirm,
      expiresAt,
      issuedAt: now,
    });
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
