import { type Context, Hono } from 'hono';
import { findEdition } from '../../../core/config.js';
import {
  parseEditions,
  parseEmail,
  parseName,
  parseRhythm,
  parseTimeZone,
  type SubscribeRequest,
  SubscriptionInputError,
  subscribe,
} from '../../../core/subscriptions/index.js';
import * as z from '../../../core/zod.js';
import { rhythmChoices } from '../reader-choices.js';
import { BadBodyError } from '../request-errors.js';
import { type Env, mediaType, parseJsonBody, type RouteContext, wantsJson } from '../respond.js';

const text = z.string().check(z.maxLength(1024));
/** Absent, or `null` (cleared), or text. */
const clearable = z.optional(z.nullable(text));
const SubscribeJson = z.strictObject({
  email: text,
  editions: z.array(z.string().check(z.maxLength(64))).check(z.maxLength(50)),
  name: clearable,
  timeZone: clearable,
  rhythm: clearable,
  website: z.optional(text),
});

interface SubscribeFields {
  email: unknown;
  editions: unknown;
  name?: unknown;
  timeZone?: unknown;
  rhythm?: unknown;
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
      timeZone: form.get('timeZone') ?? undefined,
      rhythm: form.get('rhythm') ?? undefined,
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

  /** The form, filled with `values` (editions, rhythm, …) and showing `extra` (an error). */
  const form = (
    c: Context<Env>,
    status: 200 | 400,
    values: { editions: unknown[]; rhythm?: string } & Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ): Promise<Response> => {
    const editions = values.editions.filter((id): id is string => typeof id === 'string');
    return respond.page(c, 'subscribe', status, 'Subscribe', {
      values,
      rhythms: rhythmChoices(config, editions, values.rhythm),
      ...extra,
    });
  };

  app.get('/', (c) => {
    const asked = c.req.queries('edition') ?? [];
    c.header('Cache-Control', 'no-cache');
    return form(c, 200, { editions: asked.filter((id) => findEdition(config, id)) });
  });

  app.post('/subscribe', async (c) => {
    const json = wantsJson(c);
    let fields: SubscribeFields;
    try {
      fields = await readSubscribeBody(c);
    } catch (error) {
      if (json || !(error instanceof BadBodyError)) throw error;
      return form(c, 400, { editions: [] }, { error: error.message });
    }
    const accepted = (): Promise<Response> | Response =>
      json ? c.json({ status: 'pending' }, 202) : respond.page(c, 'check-inbox', 202, 'Check your inbox');

    // A filled honeypot is a bot: the same answer as everyone, nothing stored or sent.
    if (typeof fields.website === 'string' && fields.website.trim() !== '') return accepted();

    let request: Omit<SubscribeRequest, 'clientAddress'>;
    try {
      request = { email: parseEmail(fields.email), editions: parseEditions(config, fields.editions) };
      const name = parseName(fields.name);
      const timeZone = parseTimeZone(fields.timeZone);
      const rhythm = parseRhythm(fields.rhythm);
      if (name !== undefined) request.name = name;
      if (timeZone !== undefined) request.timeZone = timeZone;
      if (rhythm !== undefined) request.rhythm = rhythm;
    } catch (error) {
      if (json || !(error instanceof SubscriptionInputError)) throw error;
      const values = {
        email: typeof fields.email === 'string' ? fields.email.slice(0, 254) : '',
        name: typeof fields.name === 'string' ? fields.name.slice(0, 100) : '',
        editions: Array.isArray(fields.editions) ? fields.editions : [],
        rhythm: typeof fields.rhythm === 'string' ? fields.rhythm.slice(0, 20) : '',
      };
      return form(c, 400, values, { error: error.message, errorField: error.field });
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
