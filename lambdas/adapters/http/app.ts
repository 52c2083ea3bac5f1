import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { findEdition, type TidingsConfig } from '../../core/config.js';
import { joinEditionNames } from '../../core/digest.js';
import { TidingsError } from '../../core/errors.js';
import type { Clock, Mailer, SubscriberStore } from '../../core/ports.js';
import {
  type ConfirmationEmail,
  confirm,
  NothingToConfirmError,
  NotSubscribedError,
  parseEditions,
  parseEmail,
  parseName,
  previewConfirmation,
  previewUnsubscribe,
  readPreferences,
  type SubscriptionDeps,
  SubscriptionInputError,
  SuppressedAddressError,
  subscribe,
  unsubscribe,
  updatePreferences,
} from '../../core/subscriptions.js';
import { ExpiredTokenError, type Keyring, TokenError } from '../../core/tokens.js';
import type { IssueArchive } from './issue-archive.js';
import { type PageName, PageRenderer } from './pages.js';
import { MemoryRateLimiter, type RateLimiter } from './rate-limit.js';

/** Largest request body accepted, counted while it is read (CONTRACT: 413 above it). */
export const MAX_BODY_BYTES = 16 * 1024;

/** Runs work the response does not wait for (or, in Lambda, does wait for: see {@link inlineTasks}). */
export interface TaskRunner {
  run(task: () => Promise<unknown>): Promise<void>;
}

/**
 * Runs tasks after the response has gone, so an answer takes the same time whatever the task
 * finds (a known address, an unknown one, one that bounced). `drain()` waits for all of them.
 */
export class BackgroundTasks implements TaskRunner {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly onError: (error: unknown) => void = (error) => console.error(error)) {}

  run(task: () => Promise<unknown>): Promise<void> {
    const promise: Promise<void> = Promise.resolve()
      .then(task)
      .then(
        () => undefined,
        (error: unknown) => this.onError(error),
      )
      .finally(() => this.pending.delete(promise));
    this.pending.add(promise);
    return Promise.resolve();
  }

  /** Resolves once every task started so far (and any they started) has finished. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}

/**
 * Runs each task before the response is sent, for Lambda, where work left after the response may
 * be frozen with the instance. Failures are logged, never shown: the answer stays the same.
 */
export function inlineTasks(onError: (error: unknown) => void = (error) => console.error(error)): TaskRunner {
  return {
    async run(task) {
      try {
        await task();
      } catch (error) {
        onError(error);
      }
    },
  };
}

export interface AppDeps {
  config: TidingsConfig;
  subscribers: SubscriberStore;
  /** The sent issues; without it the archive pages list nothing. */
  issues?: IssueArchive;
  keyring: Keyring;
  mailer: Mailer;
  clock: Clock;
  confirmationEmail: ConfirmationEmail;
  /** Default: in-memory counters at `config.api.rateLimitPerMinute` (0 turns the limit off). */
  rateLimit?: RateLimiter;
  /** Default: the templates of `templates/pages`. */
  pages?: PageRenderer;
  /** Default: {@link BackgroundTasks}. */
  tasks?: TaskRunner;
  /** The client's network address; default: API Gateway's source IP, else the socket's peer. */
  clientAddress?: (c: Context) => string | undefined;
  onError?: (error: unknown) => void;
}

type Env = { Bindings: Record<string, unknown> };

/** The socket's peer or API Gateway's source IP; never a forwarded header, which a client can forge. */
export function defaultClientAddress(c: Context): string | undefined {
  const env = c.env as
    | {
        requestContext?: { http?: { sourceIp?: string }; identity?: { sourceIp?: string } };
        incoming?: { socket?: { remoteAddress?: string } };
      }
    | undefined;
  return (
    env?.requestContext?.http?.sourceIp ??
    env?.requestContext?.identity?.sourceIp ??
    env?.incoming?.socket?.remoteAddress
  );
}

const PAGE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
/** The web version of an issue is email HTML: inline styles and remote images, still no scripts or forms. */
const ISSUE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

const SubscribeJson = z.strictObject({
  email: z.string().max(1024),
  editions: z.array(z.string().max(64)).max(50),
  name: z.string().max(1024).nullable().optional(),
  website: z.string().max(1024).optional(),
});

interface SubscribeFields {
  email: unknown;
  editions: unknown;
  name?: unknown;
  website?: unknown;
}

/** A request body that is not what the route takes; answered 400 with the message. */
class BadBodyError extends TidingsError {
  override readonly name = 'BadBodyError';
  override readonly kind = 'invalid-input';
}

function mediaType(c: Context): string {
  return (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** JSON clients get JSON answers; browsers (forms, links) get pages. */
function wantsJson(c: Context): boolean {
  if (mediaType(c) === 'application/json') return true;
  const accept = c.req.header('accept') ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

function formFields(text: string): URLSearchParams {
  return new URLSearchParams(text);
}

async function readSubscribeBody(c: Context): Promise<SubscribeFields> {
  const type = mediaType(c);
  const text = await c.req.text();
  if (type === 'application/json') {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new BadBodyError('the body is not valid JSON');
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new BadBodyError('the body must be a JSON object {"email","editions":[…],"name"?}');
    }
    const parsed = SubscribeJson.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
      throw new BadBodyError(`invalid body: ${where}${issue?.message ?? 'unexpected shape'}`.slice(0, 200));
    }
    return parsed.data;
  }
  if (type === 'application/x-www-form-urlencoded') {
    const form = formFields(text);
    if (form.getAll('email').length > 1) throw new BadBodyError('send one email address');
    return {
      email: form.get('email') ?? '',
      editions: [...form.getAll('editions'), ...form.getAll('edition')]
        .flatMap((v) => v.split(','))
        .filter(Boolean),
      name: form.get('name') ?? undefined,
      website: form.get('website') ?? undefined,
    };
  }
  throw new BadBodyError('send JSON (application/json) or a form (application/x-www-form-urlencoded)');
}

/** "Tidings D.C. and Tidings SG", in configuration order; the sender's name alone for none. */
function editionNames(config: TidingsConfig, ids: readonly string[]): string {
  const editions = config.editions.filter((e) => ids.includes(e.id));
  return editions.length > 0 ? joinEditionNames(config.sender.name, editions) : config.sender.name;
}

/**
 * The readers' HTTP API of CONTRACT.md: subscribe, confirm, unsubscribe (including RFC 8058
 * one-click), preferences, and the issue archive, with pages rendered from `templates/pages`.
 * Opening any link (GET) changes nothing; every change is a POST carrying a signed token.
 */
export function createApp(deps: AppDeps): Hono<Env> {
  const { config } = deps;
  const onError = deps.onError ?? ((error: unknown) => console.error(error));
  const pages = deps.pages ?? new PageRenderer(config);
  const tasks = deps.tasks ?? new BackgroundTasks(onError);
  const limiter =
    deps.rateLimit ??
    (config.api.rateLimitPerMinute > 0 ? new MemoryRateLimiter(config.api.rateLimitPerMinute) : undefined);
  const clientAddress = deps.clientAddress ?? defaultClientAddress;
  const core: SubscriptionDeps = {
    config,
    store: deps.subscribers,
    keyring: deps.keyring,
    clock: deps.clock,
    mailer: deps.mailer,
    confirmationEmail: deps.confirmationEmail,
  };
  const secure = config.baseUrl.startsWith('https:');

  const app = new Hono<Env>();

  const page = async (
    c: Context,
    name: PageName,
    status: ContentfulStatusCode,
    title: string,
    data: Record<string, unknown> = {},
  ): Promise<Response> => c.html(await pages.render(name, { title, ...data }), status);

  const problem = async (
    c: Context,
    status: ContentfulStatusCode,
    code: string,
    heading: string,
    message: string,
  ): Promise<Response> => {
    if (wantsJson(c)) return c.json({ error: code, message }, status);
    return page(c, 'error', status, heading, { heading, message });
  };

  // ---------------------------------------------------------------- every response

  app.use('*', async (c, next) => {
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
  });

  if (config.api.corsOrigins.length > 0) {
    app.use(
      '/subscribe',
      cors({ origin: config.api.corsOrigins, allowMethods: ['POST'], allowHeaders: ['Content-Type'] }),
    );
  }

  app.use('*', async (c, next) => {
    if (!limiter || c.req.path === '/health' || c.req.path.startsWith('/assets/')) return next();
    const client = clientAddress(c) ?? 'unknown';
    const { limited, retryAfterSeconds } = await limiter.hit(client, deps.clock.now());
    if (!limited) return next();
    c.header('Retry-After', String(retryAfterSeconds));
    return problem(
      c,
      429,
      'rate_limited',
      'Too many requests',
      'Too many requests from your network. Try again in a minute.',
    );
  });

  app.on(
    ['POST', 'PUT', 'PATCH', 'DELETE'],
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        problem(
          c,
          413,
          'payload_too_large',
          'Request too large',
          `Request bodies are limited to ${MAX_BODY_BYTES / 1024} KB.`,
        ),
    }),
  );

  // ---------------------------------------------------------------- routes

  app.get('/health', (c) => c.json({ ok: true }));

  app.get('/assets/pages.css', (c) => {
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(pages.stylesheet, 200, { 'Content-Type': 'text/css; charset=utf-8' });
  });

  app.get('/', (c) => {
    const asked = c.req.queries('edition') ?? [];
    c.header('Cache-Control', 'no-cache');
    return page(c, 'subscribe', 200, 'Subscribe', {
      values: { editions: asked.filter((id) => findEdition(config, id)) },
    });
  });

  app.post('/subscribe', async (c) => {
    const json = wantsJson(c);
    let fields: SubscribeFields;
    try {
      fields = await readSubscribeBody(c);
    } catch (error) {
      if (!(error instanceof BadBodyError)) throw error;
      if (json) return c.json({ error: 'invalid_request', message: error.message }, 400);
      return page(c, 'subscribe', 400, 'Subscribe', { error: error.message, values: { editions: [] } });
    }
    const accepted = (): Promise<Response> | Response =>
      json ? c.json({ status: 'pending' }, 202) : page(c, 'check-inbox', 202, 'Check your inbox');

    // A filled honeypot is a bot: the same answer as everyone, nothing stored or sent.
    if (typeof fields.website === 'string' && fields.website.trim() !== '') return accepted();

    let request: { email: string; editions: string[]; name?: string };
    try {
      const email = parseEmail(fields.email);
      const editions = parseEditions(config, fields.editions);
      const name = parseName(fields.name);
      request = name === undefined ? { email, editions } : { email, editions, name };
    } catch (error) {
      if (!(error instanceof SubscriptionInputError)) throw error;
      if (json) return c.json({ error: 'invalid_request', field: error.field, message: error.message }, 400);
      const values = {
        email: typeof fields.email === 'string' ? fields.email.slice(0, 254) : '',
        name: typeof fields.name === 'string' ? fields.name.slice(0, 100) : '',
        editions: Array.isArray(fields.editions) ? fields.editions : [],
      };
      return page(c, 'subscribe', 400, 'Subscribe', {
        error: error.message,
        errorField: error.field,
        values,
      });
    }
    const address = clientAddress(c);
    // Known, unknown and suppressed addresses alike: the work happens off the response path.
    await tasks.run(() =>
      subscribe(core, address === undefined ? request : { ...request, clientAddress: address }),
    );
    return accepted();
  });

  // Token failures: confirmation links offer a new link; the others say the link is not valid.
  const tokenProblem = async (
    c: Context,
    error: unknown,
    purpose: 'confirm' | 'unsubscribe' | 'preferences',
  ) => {
    if (error instanceof TokenError || error instanceof NothingToConfirmError) {
      const reason = error instanceof TokenError ? error.reason : 'gone';
      if (purpose === 'confirm') {
        const expired = error instanceof ExpiredTokenError;
        const message = expired
          ? 'This confirmation link has expired. Ask for a new one below.'
          : reason === 'gone'
            ? 'There is no subscription request waiting for this link any more. Ask for a new link below.'
            : 'This confirmation link is not valid. It may have been cut short when it was copied. Ask for a new one below.';
        if (wantsJson(c)) return c.json({ error: 'invalid_token', reason, message }, 400);
        return page(c, 'link-problem', 400, 'Link not valid', {
          heading: expired ? 'This link has expired' : 'This link is not valid',
          message,
          offerNewLink: true,
          email: error instanceof ExpiredTokenError ? error.email : '',
          editions: error instanceof ExpiredTokenError ? error.editions : [],
        });
      }
      const status = reason === 'malformed' ? 400 : 403;
      const message =
        'This link is not valid. It may have been cut short when it was copied; try the link in your latest email.';
      if (wantsJson(c)) return c.json({ error: 'invalid_token', reason, message }, status);
      return page(c, 'link-problem', status, 'Link not valid', {
        heading: 'This link is not valid',
        message,
      });
    }
    throw error;
  };

  const tokenOf = (c: Context): string => c.req.query('token') ?? '';

  app.get('/confirm', async (c) => {
    try {
      const view = await previewConfirmation(core, tokenOf(c));
      return page(c, 'confirm', 200, 'Confirm your subscription', {
        ...view,
        token: tokenOf(c),
        editionNames: editionNames(config, view.editions),
      });
    } catch (error) {
      return tokenProblem(c, error, 'confirm');
    }
  });

  app.post('/confirm', async (c) => {
    try {
      const view = await confirm(core, tokenOf(c), clientAddress(c));
      if (wantsJson(c)) return c.json({ status: 'active', editions: view.editions });
      return page(c, 'confirmed', 200, "You're subscribed", {
        ...view,
        editionNames: editionNames(config, view.editions),
      });
    } catch (error) {
      return tokenProblem(c, error, 'confirm');
    }
  });

  app.get('/unsubscribe', async (c) => {
    try {
      const view = await previewUnsubscribe(core, tokenOf(c));
      return page(c, 'unsubscribe', 200, 'Unsubscribe', {
        ...view,
        token: tokenOf(c),
        editionName: view.edition
          ? editionNames(config, [view.edition])
          : `every ${config.sender.name} edition`,
        remainingNames: editionNames(config, view.remaining),
      });
    } catch (error) {
      return tokenProblem(c, error, 'unsubscribe');
    }
  });

  // The page's button, and mail clients' RFC 8058 one-click POST (body `List-Unsubscribe=One-Click`).
  app.post('/unsubscribe', async (c) => {
    const body = await c.req.text();
    // Urlencoded or multipart, the one-click body names List-Unsubscribe and One-Click.
    const oneClick = body.includes('List-Unsubscribe') && body.includes('One-Click');
    try {
      const view = await unsubscribe(core, tokenOf(c), oneClick ? 'one-click' : 'page');
      if (wantsJson(c))
        return c.json({ status: 'unsubscribed', edition: view.edition ?? null, remaining: view.remaining });
      return page(c, 'unsubscribed', 200, "You're unsubscribed", {
        ...view,
        editionName: view.edition
          ? editionNames(config, [view.edition])
          : `any ${config.sender.name} edition`,
        remainingNames: editionNames(config, view.remaining),
      });
    } catch (error) {
      return tokenProblem(c, error, 'unsubscribe');
    }
  });

  const preferencesPage = (
    c: Context,
    status: ContentfulStatusCode,
    view: { email: string; editions: string[] },
    extra = {},
  ) =>
    page(c, 'preferences', status, 'Your editions', {
      ...view,
      chosen: view.editions,
      token: tokenOf(c),
      ...extra,
    });

  app.get('/preferences', async (c) => {
    try {
      return await preferencesPage(c, 200, await readPreferences(core, tokenOf(c)));
    } catch (error) {
      if (error instanceof NotSubscribedError) {
        return problem(
          c,
          404,
          'not_found',
          'No subscription',
          'We hold no subscription for this address. You can subscribe again.',
        );
      }
      return tokenProblem(c, error, 'preferences');
    }
  });

  app.post('/preferences', async (c) => {
    const token = tokenOf(c);
    let chosen: string[] = [];
    let leaveAll = false;
    const type = mediaType(c);
    const text = await c.req.text();
    if (type === 'application/json') {
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        return c.json({ error: 'invalid_request', message: 'the body is not valid JSON' }, 400);
      }
      const parsed = z.strictObject({ editions: z.array(z.string().max(64)).max(50) }).safeParse(raw);
      if (!parsed.success) return c.json({ error: 'invalid_request', message: 'send {"editions":[…]}' }, 400);
      chosen = parsed.data.editions;
    } else if (type === 'application/x-www-form-urlencoded' || type === '') {
      const form = formFields(text);
      leaveAll = form.get('action') === 'leave';
      chosen = form.getAll('editions');
    } else {
      return problem(
        c,
        400,
        'invalid_request',
        'Unsupported request',
        'Send the form, or JSON {"editions":[…]}.',
      );
    }
    try {
      const view = await updatePreferences(core, token, leaveAll ? [] : chosen, clientAddress(c));
      if (wantsJson(c)) return c.json({ status: view.status, editions: view.editions });
      const saved =
        view.editions.length === 0
          ? `You're unsubscribed from every edition. Tick an edition and save to come back.`
          : `Saved. You receive ${editionNames(config, view.editions)}.`;
      return preferencesPage(c, 200, view, { saved });
    } catch (error) {
      if (error instanceof SubscriptionInputError) {
        if (wantsJson(c))
          return c.json({ error: 'invalid_request', field: error.field, message: error.message }, 400);
        try {
          return await preferencesPage(c, 400, await readPreferences(core, token), { error: error.message });
        } catch (inner) {
          return tokenProblem(c, inner, 'preferences');
        }
      }
      if (error instanceof NotSubscribedError) {
        return problem(
          c,
          404,
          'not_found',
          'No subscription',
          'We hold no subscription for this address. You can subscribe again.',
        );
      }
      if (error instanceof SuppressedAddressError) {
        return problem(
          c,
          400,
          'suppressed',
          'Cannot deliver',
          'Mail to this address bounced or was reported, so we no longer send to it.',
        );
      }
      return tokenProblem(c, error, 'preferences');
    }
  });

  app.get('/issues', async (c) => {
    const editionId = c.req.query('edition') ?? config.editions[0]?.id ?? '';
    const edition = findEdition(config, editionId);
    if (!edition) return problem(c, 404, 'not_found', 'No such edition', 'There is no edition by that name.');
    const issues = deps.issues ? await deps.issues.listSent(edition.id, 60) : [];
    c.header('Cache-Control', 'public, max-age=300');
    return page(c, 'issues', 200, `${edition.name} archive`, {
      editionId: edition.id,
      editionName: editionNames(config, [edition.id]),
      issues,
    });
  });

  app.get('/issues/:issueId', async (c) => {
    const issue = deps.issues ? await deps.issues.get(c.req.param('issueId')) : undefined;
    if (!issue)
      return problem(c, 404, 'not_found', 'No such issue', 'There is no published issue by that name.');
    c.header('Content-Security-Policy', ISSUE_CSP);
    c.header('Cache-Control', 'public, max-age=300');
    return c.html(issue.html);
  });

  app.notFound((c) => problem(c, 404, 'not_found', 'Page not found', 'There is nothing at this address.'));

  app.onError((error, c) => {
    onError(error);
    return problem(
      c,
      500,
      'internal',
      'Something went wrong',
      'Something went wrong on our side. Please try again shortly.',
    );
  });

  return app;
}
