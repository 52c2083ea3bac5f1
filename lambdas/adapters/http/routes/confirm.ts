import { Hono } from 'hono';
import { confirm, previewConfirmation } from '../../../core/subscriptions/index.js';
import { type Env, editionNames, type RouteContext, tokenOf, wantsJson } from '../respond.js';

/**
 * `GET /confirm` shows one button and changes nothing (link scanners open links); `POST /confirm`
 * activates, idempotently. A link that cannot be honoured gets the error handler's page offering
 * a new link.
 */
export function confirmRoutes(ctx: RouteContext): Hono<Env> {
  const { config, respond } = ctx;
  const app = new Hono<Env>();

  app.get('/confirm', async (c) => {
    c.set('link', 'confirm');
    const view = await previewConfirmation(ctx.core, tokenOf(c));
    return respond.page(c, 'confirm', 200, 'Confirm your subscription', {
      ...view,
      token: tokenOf(c),
      editionNames: editionNames(config, view.editions),
    });
  });

  app.post('/confirm', async (c) => {
    c.set('link', 'confirm');
    const view = await confirm(ctx.core, tokenOf(c), ctx.clientAddress(c));
    if (wantsJson(c)) return c.json({ status: 'active', editions: view.editions });
    return respond.page(c, 'confirmed', 200, "You're subscribed", {
      ...view,
      editionNames: editionNames(config, view.editions),
    });
  });

  return app;
}
