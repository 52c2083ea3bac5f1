import { type Context, Hono } from 'hono';
import { cors } from 'hono/cors';
import type { TidingsConfig } from '../../core/config.js';
import type { Clock, Mailer, SubscriberStore } from '../../core/ports.js';
import type { ConfirmationEmail } from '../../core/subscriptions/index.js';
import type { Keyring } from '../../core/tokens.js';
import type { Welcome } from '../../core/welcome.js';
import { type ClientRequestLimit, MemoryClientRequestLimit } from './client-request-limit.js';
import type { IssueArchive } from './issue-archive.js';
import { refuseOtherMethods } from './methods.js';
import { limitBodies, limitRequests, securityHeaders } from './middleware.js';
import { answerError } from './on-error.js';
import { PageRenderer } from './pages.js';
import { PageNotFoundError } from './request-errors.js';
import { type Env, Responder, type RouteContext } from './respond.js';
import { archiveRoutes } from './routes/archive.js';
import { assetRoutes } from './routes/assets.js';
import { confirmRoutes } from './routes/confirm.js';
import { healthRoutes } from './routes/health.js';
import { preferencesRoutes } from './routes/preferences.js';
import { subscribeRoutes } from './routes/subscribe.js';
import { unsubscribeRoutes, validOneClick } from './routes/unsubscribe.js';
import { BackgroundTasks, type TaskRunner } from './tasks.js';

export { MAX_BODY_BYTES } from './middleware.js';
export type { Env } from './respond.js';
export { BackgroundTasks, inlineTasks, type TaskRunner } from './tasks.js';

export interface AppDeps {
  config: TidingsConfig;
  subscribers: SubscriberStore;
  /** The sent issues; without it the archive pages list nothing. */
  issues?: IssueArchive;
  keyring: Keyring;
  mailer: Mailer;
  clock: Clock;
  confirmationEmail: ConfirmationEmail;
  /** Greets readers on their first confirmation (core/welcome.ts); without it, no welcome. */
  welcome?: Welcome;
  /** Default: in-memory counters at `config.api.rateLimitPerMinute` (0 turns the limit off). */
  rateLimit?: ClientRequestLimit;
  /** Default: the templates of `templates/pages`. */
  pages?: PageRenderer;
  /** Default: {@link BackgroundTasks}. */
  tasks?: TaskRunner;
  /** The client's network address; default: API Gateway's source IP, else the socket's peer. */
  clientAddress?: (c: Context) => string | undefined;
  /** Told of our own faults (answered 5xx); default `console.error`. */
  onError?: (error: unknown) => void;
}

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

/**
 * The readers' HTTP API of CONTRACT.md: subscribe, confirm, unsubscribe (including RFC 8058
 * one-click), preferences, and the issue archive, with pages rendered from `templates/pages`.
 * Opening any link (GET) changes nothing; every change is a POST carrying a signed token.
 *
 * One app: the middleware every request passes (security headers, CORS for `/subscribe`, the body
 * limit, the per-client limit), the route modules of `routes/`, a 405 with `Allow` for a known
 * path asked with another method, and one error handler (`on-error.ts`) for everything thrown.
 */
export function createApp(deps: AppDeps): Hono<Env> {
  const { config } = deps;
  const log = deps.onError ?? ((error: unknown) => console.error(error));
  const respond = new Responder(deps.pages ?? new PageRenderer(config));
  const limiter =
    deps.rateLimit ??
    (config.api.rateLimitPerMinute > 0
      ? new MemoryClientRequestLimit(config.api.rateLimitPerMinute)
      : undefined);
  const ctx: RouteContext = {
    config,
    core: {
      config,
      store: deps.subscribers,
      keyring: deps.keyring,
      clock: deps.clock,
      mailer: deps.mailer,
      confirmationEmail: deps.confirmationEmail,
      ...(deps.welcome ? { welcome: deps.welcome } : {}),
    },
    respond,
    tasks: deps.tasks ?? new BackgroundTasks(log),
    issues: deps.issues,
    clientAddress: deps.clientAddress ?? defaultClientAddress,
  };

  const app = new Hono<Env>();

  app.use('*', securityHeaders(config.baseUrl.startsWith('https:')));
  const corsOn = config.api.corsOrigins.length > 0;
  if (corsOn) {
    app.use(
      '/subscribe',
      cors({ origin: config.api.corsOrigins, allowMethods: ['POST'], allowHeaders: ['Content-Type'] }),
    );
  }
  // The body limit comes first: the per-client limit may read a one-click body to recognise it.
  app.on(['POST', 'PUT', 'PATCH', 'DELETE'], '*', limitBodies());
  if (limiter) {
    app.use(
      '*',
      limitRequests({
        limiter,
        clock: deps.clock,
        clientAddress: ctx.clientAddress,
        exempt: validOneClick(ctx),
      }),
    );
  }

  for (const routes of [
    healthRoutes(),
    assetRoutes(ctx),
    subscribeRoutes(ctx),
    confirmRoutes(ctx),
    unsubscribeRoutes(ctx),
    preferencesRoutes(ctx),
    archiveRoutes(ctx),
  ]) {
    app.route('/', routes);
  }
  refuseOtherMethods(app, respond, corsOn ? { '/subscribe': ['OPTIONS'] } : {});

  app.notFound((c) =>
    answerError(
      c,
      new PageNotFoundError('Page not found', 'There is nothing at this address.'),
      respond,
      log,
    ),
  );
  app.onError((error, c) => answerError(c, error, respond, log));

  return app;
}
