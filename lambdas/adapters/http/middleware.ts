import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Clock } from '../../core/ports.js';
import type { ClientRequestLimit } from './client-request-limit.js';
import { BodyTooLargeError, TooManyRequestsError } from './request-errors.js';
import type { Env } from './respond.js';

/** Largest request body accepted, counted while it is read (CONTRACT: 413 above it). */
export const MAX_BODY_BYTES = 16 * 1024;

/** Every page: scripts, styles and forms from this site only (no inline script, no other source). */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Security headers on every response; a route may set its own CSP and caching first. */
export function securityHeaders(secure: boolean): MiddlewareHandler<Env> {
  return async (c, next) => {
    await next();
    const headers = c.res.headers;
    if (!headers.has('Content-Security-Policy')) headers.set('Content-Security-Policy', PAGE_CSP);
    headers.set('X-Content-Type-Options', 'nosniff');
    // Links carry tokens; no page may hand its URL to another site.
    headers.set('Referrer-Policy', 'no-referrer');
    headers.set('X-Frame-Options', 'DENY');
    headers.set('Cross-Origin-Opener-Policy', 'same-origin');
    if (secure) headers.set('Strict-Transport-Security', 'max-age=31536000');
    if (!headers.has('Cache-Control')) headers.set('Cache-Control', 'no-store');
  };
}

/**
 * Request bodies over {@link MAX_BODY_BYTES} end in a {@link BodyTooLargeError} before anyone reads
 * them. A declared length is checked as declared (the HTTP parser reads no more than it); only a
 * body of unknown length is counted while it is read. The declared length is read from the
 * headers alone: touching the request's body stream there would make `@hono/node-server` build a
 * whole web `Request` around the socket, where reading the text directly needs none.
 */
export function limitBodies(): MiddlewareHandler<Env> {
  const tooLarge = (): never => {
    throw new BodyTooLargeError(MAX_BODY_BYTES);
  };
  const counted = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge });
  return async (c, next) => {
    const { headers } = c.req.raw;
    const declared = headers.get('content-length');
    if (declared === null || headers.has('transfer-encoding')) return counted(c, next);
    if (Number.parseInt(declared, 10) > MAX_BODY_BYTES) tooLarge();
    await next();
  };
}

export interface RateLimitOptions {
  limiter: ClientRequestLimit;
  clock: Clock;
  clientAddress(c: Context<Env>): string | undefined;
  /** Requests that are neither counted nor refused (they must be cheap to recognise). */
  exempt(c: Context<Env>): Promise<boolean>;
}

/**
 * The per-client request limit: over it, a {@link TooManyRequestsError}. The health check and the
 * stylesheet are never counted, nor what `exempt` recognises.
 */
export function limitRequests(options: RateLimitOptions): MiddlewareHandler<Env> {
  return async (c, next) => {
    if (c.req.path === '/health' || c.req.path.startsWith('/assets/')) return next();
    if (await options.exempt(c)) return next();
    const client = options.clientAddress(c) ?? 'unknown';
    const { limited, retryAfterSeconds } = await options.limiter.hit(client, options.clock.now());
    if (limited) throw new TooManyRequestsError(retryAfterSeconds);
    return next();
  };
}
