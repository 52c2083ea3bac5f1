import { type Context, Hono } from 'hono';
import { previewUnsubscribe, unsubscribe } from '../../../core/subscriptions/index.js';
import { TokenError, verifyToken } from '../../../core/tokens.js';
import { type Env, editionNames, type RouteContext, tokenOf, wantsJson } from '../respond.js';

/** RFC 8058's one-click body names `List-Unsubscribe` and `One-Click`, urlencoded or multipart. */
export function isOneClickBody(body: string): boolean {
  return body.includes('List-Unsubscribe') && body.includes('One-Click');
}

/**
 * Recognises an RFC 8058 one-click `POST /unsubscribe` carrying a valid unsubscribe token. Mailbox
 * providers send these from few addresses for many readers, so the per-client limit lets them
 * through uncounted; a bad token is not recognised and counts like any other request.
 */
export function validOneClick(ctx: RouteContext): (c: Context<Env>) => Promise<boolean> {
  return async (c) => {
    if (c.req.method !== 'POST' || c.req.path !== '/unsubscribe') return false;
    if (!isOneClickBody(await c.req.text())) return false;
    try {
      verifyToken(ctx.core.keyring, tokenOf(c), 'unsubscribe', ctx.core.clock.now());
      return true;
    } catch (error) {
      if (error instanceof TokenError) return false;
      throw error;
    }
  };
}

/**
 * `GET /unsubscribe` shows one button and changes nothing; `POST /unsubscribe` is that button, or a
 * mail client's RFC 8058 one-click POST: it leaves the edition the token names, idempotently.
 */
export function unsubscribeRoutes(ctx: RouteContext): Hono<Env> {
  const { config, respond } = ctx;
  const app = new Hono<Env>();

  app.get('/unsubscribe', async (c) => {
    c.set('link', 'unsubscribe');
    const view = await previewUnsubscribe(ctx.core, tokenOf(c));
    return respond.page(c, 'unsubscribe', 200, 'Unsubscribe', {
      ...view,
      token: tokenOf(c),
      editionName: view.edition
        ? editionNames(config, [view.edition])
        : `every ${config.sender.name} edition`,
      remainingNames: editionNames(config, view.remaining),
    });
  });

  app.post('/unsubscribe', async (c) => {
    c.set('link', 'unsubscribe');
    const oneClick = isOneClickBody(await c.req.text());
    const view = await unsubscribe(ctx.core, tokenOf(c), oneClick ? 'one-click' : 'page');
    if (wantsJson(c))
      return c.json({ status: 'unsubscribed', edition: view.edition ?? null, remaining: view.remaining });
    return respond.page(c, 'unsubscribed', 200, "You're unsubscribed", {
      ...view,
      editionName: view.edition ? editionNames(config, [view.edition]) : `any ${config.sender.name} edition`,
      remainingNames: editionNames(config, view.remaining),
    });
  });

  return app;
}
