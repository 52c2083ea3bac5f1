import { type Context, Hono } from 'hono';
import * as z from 'zod';
import { findEdition } from '../../../core/config.js';
import {
  parseEditions,
  parseEmail,
  parseName,
  SubscriptionInputError,
  subscribe,
} from '../../../core/subscriptions/index.js';
import { BadBodyError } from '../request-errors.js';
import { type Env, mediaType, parseJsonBody, type RouteContext, wantsJson } from '../respond.js';

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

async function readSubscribeBody(c: Context): Promise<SubscribeFields> {
  const type = mediaType(c);
  const text = await c.req.text();
  if (type === 'application/json') {
    const raw = parseJsonBody(text);
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
    const form = new URLSearchParams(text);
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

/**
 * `GET /` (the subscribe page) and `POST /subscribe` (JSON or the form). Every well-formed request
 * gets the same answer, whatever the address; the work happens off the response path. A form with
 * a mistake comes back filled in, the mistake shown; JSON clients get the error handler's answer.
 */
export function subscribeRoutes(ctx: RouteContext): Hono<Env> {
  const { config, respond } = ctx;
  const app = new Hono<Env>();

  app.get('/', (c) => {
    const asked = c.req.queries('edition') ?? [];
    c.header('Cache-Control', 'no-cache');
    return respond.page(c, 'subscribe', 200, 'Subscribe', {
      values: { editions: asked.filter((id) => findEdition(config, id)) },
    });
  });

  app.post('/subscribe', async (c) => {
    const json = wantsJson(c);
    let fields: SubscribeFields;
    try {
      fields = await readSubscribeBody(c);
    } catch (error) {
      if (json || !(error instanceof BadBodyError)) throw error;
      return respond.page(c, 'subscribe', 400, 'Subscribe', {
        error: error.message,
        values: { editions: [] },
      });
    }
    const accepted = (): Promise<Response> | Response =>
      json ? c.json({ status: 'pending' }, 202) : respond.page(c, 'check-inbox', 202, 'Check your inbox');

    // A filled honeypot is a bot: the same answer as everyone, nothing stored or sent.
    if (typeof fields.website === 'string' && fields.website.trim() !== '') return accepted();

    let request: { email: string; editions: string[]; name?: string };
    try {
      const email = parseEmail(fields.email);
      const editions = parseEditions(config, fields.editions);
      const name = parseName(fields.name);
      request = name === undefined ? { email, editions } : { email, editions, name };
    } catch (error) {
      if (json || !(error instanceof SubscriptionInputError)) throw error;
      return respond.page(c, 'subscribe', 400, 'Subscribe', {
        error: error.message,
        errorField: error.field,
        values: {
          email: typeof fields.email === 'string' ? fields.email.slice(0, 254) : '',
          name: typeof fields.name === 'string' ? fields.name.slice(0, 100) : '',
          editions: Array.isArray(fields.editions) ? fields.editions : [],
        },
      });
    }
    const address = ctx.clientAddress(c);
    // Known, unknown and suppressed addresses alike: the work happens off the response path.
    await ctx.tasks.run(() =>
      subscribe(ctx.core, address === undefined ? request : { ...request, clientAddress: address }),
    );
    return accepted();
  });

  return app;
}
