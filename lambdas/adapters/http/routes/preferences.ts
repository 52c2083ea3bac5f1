import { type Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DEFAULT_RHYTHM } from '../../../core/subscriber.js';
import {
  ConfirmationRequiredError,
  type PreferencesView,
  type ReaderChoices,
  readPreferences,
  SubscriptionInputError,
  updatePreferences,
} from '../../../core/subscriptions/index.js';
import * as z from '../../../core/zod.js';
import { deliveryLines, rhythmChoices, zoneOptions } from '../reader-choices.js';
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

const clearable = z.optional(z.nullable(z.string().check(z.maxLength(1024))));
const PreferencesJson = z.strictObject({
  editions: z.optional(z.array(z.string().check(z.maxLength(64))).check(z.maxLength(50))),
  timeZone: clearable,
  rhythm: clearable,
});

interface Choice {
  /** Absent (JSON without `editions`): the editions stay as they are. */
  chosen: string[] | undefined;
  leaveAll: boolean;
  choices: ReaderChoices;
}

/**
 * The editions, zone and rhythm chosen (JSON or the form), and whether the form's "leave all" was
 * pressed. JSON `null` for the zone or rhythm clears it, like the form's empty value.
 */
async function readChoice(c: Context): Promise<Choice> {
  const type = mediaType(c);
  const text = await c.req.text();
  if (type === 'application/json') {
    const parsed = PreferencesJson.safeParse(parseJsonBody(text));
    if (!parsed.success) throw new BadBodyError('send {"editions"?:[…],"timeZone"?,"rhythm"?}');
    const { editions, timeZone, rhythm } = parsed.data;
    const choices: ReaderChoices = {};
    if (timeZone !== undefined) choices.timeZone = timeZone ?? '';
    if (rhythm !== undefined) choices.rhythm = rhythm ?? '';
    return { chosen: editions, leaveAll: false, choices };
  }
  if (type === 'application/x-www-form-urlencoded' || type === '') {
    const form = new URLSearchParams(text);
    const choices: ReaderChoices = {};
    const timeZone = form.get('timeZone');
    const rhythm = form.get('rhythm');
    if (timeZone !== null) choices.timeZone = timeZone;
    if (rhythm !== null) choices.rhythm = rhythm;
    return { chosen: form.getAll('editions'), leaveAll: form.get('action') === 'leave', choices };
  }
  throw new BadBodyError('Send the form, or JSON {"editions":[…]}.', 'Unsupported request');
}

/**
 * `GET /preferences` shows the editions a reader gets and changes nothing; `POST /preferences`
 * saves a new choice (none, or "leave all", unsubscribes). A form with a mistake comes back with
 * the reader's current choice and the mistake shown. A reader who left is not brought back here:
 * both answer with the offer to mail a new confirmation link (`POST /subscribe`), whose
 * confirmation alone re-activates.
 */
export function preferencesRoutes(ctx: RouteContext): Hono<Env> {
  const { config, respond } = ctx;
  const app = new Hono<Env>();

  const preferencesPage = (
    c: Context<Env>,
    status: ContentfulStatusCode,
    view: PreferencesView,
    extra: Record<string, unknown> = {},
  ): Promise<Response> =>
    respond.page(c, 'preferences', status, 'Your editions', {
      ...view,
      chosen: view.editions,
      token: tokenOf(c),
      rhythms: rhythmChoices(config, view.editions, view.rhythm),
      zoneOptions: zoneOptions(view.timeZone),
      deliveries: deliveryLines(config, view, ctx.core.clock.now()),
      ...extra,
    });

  const offerConfirmation = (
    c: Context<Env>,
    status: ContentfulStatusCode,
    email: string,
    editions: readonly string[],
  ): Promise<Response> | Response => {
    const message =
      'You no longer receive any edition, and this link cannot bring you back. Ask for a confirmation email below: confirming it brings you back.';
    if (wantsJson(c)) return c.json({ error: 'confirmation_required', message }, status);
    return respond.page(c, 'link-problem', status, 'Confirm to come back', {
      heading: "You're not subscribed",
      message,
      offerNewLink: true,
      email,
      editions,
    });
  };
  const comesBackByConfirming = (view: PreferencesView): boolean =>
    view.status === 'unsubscribed' || view.status === 'pending';

  app.get('/preferences', async (c) => {
    c.set('link', 'preferences');
    const view = await readPreferences(ctx.core, tokenOf(c));
    if (comesBackByConfirming(view))
      return offerConfirmation(c, 200, view.email, view.from ? [view.from] : []);
    return preferencesPage(c, 200, view);
  });

  app.post('/preferences', async (c) => {
    c.set('link', 'preferences');
    const token = tokenOf(c);
    const { chosen, leaveAll, choices } = await readChoice(c);
    try {
      const view = await updatePreferences(ctx.core, token, leaveAll ? [] : chosen, leaveAll ? {} : choices);
      if (wantsJson(c)) {
        const { status, editions, timeZone, rhythm } = view;
        return c.json({ status, editions, timeZone: timeZone ?? null, rhythm: rhythm ?? DEFAULT_RHYTHM });
      }
      const saved =
        view.editions.length === 0
          ? `You're unsubscribed from every edition. To come back, subscribe again and confirm the email we send.`
          : `Saved. You receive ${editionNames(config, view.editions)}.`;
      return await preferencesPage(c, 200, view, { saved });
    } catch (error) {
      if (error instanceof ConfirmationRequiredError)
        return offerConfirmation(c, 409, error.email, error.editions);
      if (wantsJson(c) || !(error instanceof SubscriptionInputError)) throw error;
      return preferencesPage(c, 400, await readPreferences(ctx.core, token), { error: error.message });
    }
  });

  return app;
}
