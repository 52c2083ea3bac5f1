import type { Context } from 'hono';
import { type ErrorKind, errorKind } from '../../core/errors.js';
import {
  NothingToConfirmError,
  NotSubscribedError,
  StaleConfirmationError,
  SubscriptionInputError,
  SuppressedAddressError,
} from '../../core/subscriptions/index.js';
import { ExpiredTokenError, TokenError } from '../../core/tokens.js';
import { httpStatus } from './error-status.js';
import { RequestError, TooManyRequestsError } from './request-errors.js';
import { type Env, type Responder, wantsJson } from './respond.js';

interface Problem {
  code: string;
  heading: string;
  message: string;
}

/** What a reader is told for each kind, unless the error says more (below). */
const BY_KIND: Readonly<Record<ErrorKind, Omit<Problem, 'message'> & { message?: string }>> = {
  // Messages of invalid input are written for the person who sent it, so they are shown.
  'invalid-input': { code: 'invalid_request', heading: 'Request not valid' },
  'not-found': { code: 'not_found', heading: 'Not found', message: 'There is nothing at this address.' },
  conflict: {
    code: 'conflict',
    heading: 'Please try again',
    message: 'This changed while we were working on it. Please try again.',
  },
  forbidden: { code: 'forbidden', heading: 'Not allowed', message: 'This request is not allowed.' },
  'too-large': {
    code: 'payload_too_large',
    heading: 'Request too large',
    message: 'The request is too large.',
  },
  'rate-limited': {
    code: 'rate_limited',
    heading: 'Too many requests',
    message: 'Too many requests. Try again in a minute.',
  },
  unavailable: {
    code: 'unavailable',
    heading: 'Please try again shortly',
    message: 'A service we depend on did not answer. Please try again shortly.',
  },
  internal: {
    code: 'internal',
    heading: 'Something went wrong',
    message: 'Something went wrong on our side. Please try again shortly.',
  },
};

function describe(error: unknown): Problem {
  if (error instanceof RequestError)
    return { code: error.code, heading: error.heading, message: error.message };
  if (error instanceof NotSubscribedError) {
    return {
      code: 'not_found',
      heading: 'No subscription',
      message: 'We hold no subscription for this address. You can subscribe again.',
    };
  }
  if (error instanceof SuppressedAddressError) {
    return {
      code: 'suppressed',
      heading: 'Cannot deliver',
      message: 'Mail to this address bounced or was reported, so we no longer send to it.',
    };
  }
  const base = BY_KIND[errorKind(error)];
  // Only invalid input lacks fixed words, and only a TidingsError (an Error) has that kind.
  return { code: base.code, heading: base.heading, message: base.message ?? (error as Error).message };
}

/**
 * A reader link that cannot be honoured. Confirmation links offer a new link (always 400, as
 * CONTRACT.md fixes); the others say the link is not valid, with the token's own status.
 */
function linkProblem(
  c: Context<Env>,
  respond: Responder,
  error: TokenError | NothingToConfirmError,
): Promise<Response> | Response {
  const reason =
    error instanceof TokenError ? error.reason : error instanceof StaleConfirmationError ? 'left' : 'gone';
  if (c.get('link') === 'confirm') {
    const expired = error instanceof ExpiredTokenError;
    const stale = error instanceof StaleConfirmationError;
    const message = expired
      ? 'This confirmation link has expired. Ask for a new one below.'
      : stale
        ? 'You unsubscribed after this link was sent, so it no longer brings you back. Ask for a new link below: confirming it does.'
        : reason === 'gone'
          ? 'There is no subscription request waiting for this link any more. Ask for a new link below.'
          : 'This confirmation link is not valid. It may have been cut short when it was copied. Ask for a new one below.';
    if (wantsJson(c)) return c.json({ error: 'invalid_token', reason, message }, 400);
    return respond.page(c, 'link-problem', 400, 'Link not valid', {
      heading: expired ? 'This link has expired' : 'This link is not valid',
      message,
      offerNewLink: true,
      email: expired || stale ? error.email : '',
      editions: expired || stale ? error.editions : [],
    });
  }
  const status = httpStatus(error);
  const message =
    'This link is not valid. It may have been cut short when it was copied; try the link in your latest email.';
  if (wantsJson(c)) return c.json({ error: 'invalid_token', reason, message }, status);
  return respond.page(c, 'link-problem', status, 'Link not valid', {
    heading: 'This link is not valid',
    message,
  });
}

/**
 * The app's one error handler: the status follows from the error's kind (`error-status.ts`), the
 * words from the error (or its kind); token failures on a reader link get the link-problem page.
 * Only our own faults (5xx) are reported to `log`: the rest are answers, not incidents.
 */
export function answerError(
  c: Context<Env>,
  error: unknown,
  respond: Responder,
  log: (error: unknown) => void,
): Promise<Response> | Response {
  const status = httpStatus(error);
  if (status >= 500) log(error);
  if (c.get('link') && (error instanceof TokenError || error instanceof NothingToConfirmError)) {
    return linkProblem(c, respond, error);
  }
  if (error instanceof TooManyRequestsError) c.header('Retry-After', String(error.retryAfterSeconds));
  const extra = error instanceof SubscriptionInputError ? { field: error.field } : {};
  return respond.problem(c, status, describe(error), extra);
}
