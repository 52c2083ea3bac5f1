import { type Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import {
  readPreferences,
  SubscriptionInputError,
  updatePreferences,
} from '../../../core/subscriptions/index.js';
import { BadBodyError } from '../request-errors.js';
import {
  type Env,
  editionNames,
  mediaType,
  parseJsonBody,
  type RouteContext,
  tokenOf,
  wantsJson,
} from '../respond.js';

const PreferencesJson = z.strictObject({ editions: z.array(z.string().max(64)).max(50) });

/** The editions chosen (JSON or the form), and whether the form's "leave all" was pressed. */
async function readChoice(c: Context): Promise<{ chosen: string[]; leaveAll: boolean }> {
  const type = mediaType(c);
  const text = await c.req.text();
  if (type === 'application/json') {
    const parsed = PreferencesJson.safeParse(parseJsonBody(text));
    if (!parsed.success) throw new BadBodyError('send {"editions":[…]}');
    return { chosen: parsed.data.editions, leaveAll: false };
  }
  if (type === 'application/x-www-form-urlencoded' || type === '') {
    const form = new URLSearchParams(text);
    return { chosen: form.getAll('editions'), leaveAll: form.get('action') === 'leave' };
  }
  throw new BadBodyError('Send the form, or JSON {"editions":[…]}.', 'Unsupported request');
}

/**
 * `GET /preferences` shows the editions a reader gets and changes nothing; `POST /preferences`
 * saves a new choice (none, or "leave all", unsubscribes). A form with a mistake comes back with
 * the reader's current choice and the mistake shown.
 */
export function preferencesRoutes(ctx: RouteContext): Hono<Env> {
  const { config, respond } = ctx;
  const app = new Hono<Env>();

  const preferencesPage = (
    c: Context<Env>,
    status: ContentfulStatusCode,
    view: { email: string; editions: string[] },
    extra: Record<string, unknown> = {},
  ): Promise<Response> =>
    respond.page(c, 'preferences', status, 'Your editions', {
      ...view,
      chosen: view.editions,
      token: tokenOf(c),
      ...extra,
    });

  app.get('/preferences', async (c) => {
    c.set('link', 'preferences');
    return preferencesPage(c, 200, await readPreferences(ctx.core, tokenOf(c)));
  });

  app.post('/preferences', async (c) => {
    c.set('link', 'preferences');
    const token = tokenOf(c);
    const { chosen, leaveAll } = await readChoice(c);
    try {
      const view = await updatePreferences(ctx.core, token, leaveAll ? [] : chosen, ctx.clientAddress(c));
      if (wantsJson(c)) return c.json({ status: view.status, editions: view.editions });
      const saved =
        view.editions.length === 0
          ? `You're unsubscribed from every edition. Tick an edition and save to come back.`
          : `Saved. You receive ${editionNames(config, view.editions)}.`;
      return await preferencesPage(c, 200, view, { saved });
    } catch (error) {
      if (wantsJson(c) || !(error instanceof SubscriptionInputError)) throw error;
      return preferencesPage(c, 400, await readPreferences(ctx.core, token), { error: error.message });
    }
  });

  return app;
}
