import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { TidingsConfig } from '../../core/config.js';
import { joinEditionNames } from '../../core/digest.js';
import type { SubscriptionDeps } from '../../core/subscriptions/index.js';
import type { IssueArchive } from './issue-archive.js';
import type { PageName, PageRenderer } from './pages.js';
import { BadBodyError } from './request-errors.js';
import type { TaskRunner } from './tasks.js';

/** Which reader link a request carries; the error handler words token failures for it. */
export type LinkPurpose = 'confirm' | 'unsubscribe' | 'preferences';

/** The Hono environment of the app and every route module. */
export type Env = { Bindings: Record<string, unknown>; Variables: { link?: LinkPurpose } };

/** What every route module is built from. */
export interface RouteContext {
  config: TidingsConfig;
  /** The subscription use cases' dependencies. */
  core: SubscriptionDeps;
  respond: Responder;
  tasks: TaskRunner;
  issues: IssueArchive | undefined;
  /** The client's network address, as the app was told to find it. */
  clientAddress(c: Context<Env>): string | undefined;
}

/** The request's media type, lower-case, without parameters. */
export function mediaType(c: Context): string {
  return (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** JSON clients get JSON answers; browsers (forms, links) get pages. */
export function wantsJson(c: Context): boolean {
  if (mediaType(c) === 'application/json') return true;
  const accept = c.req.header('accept') ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

/** A JSON request body, or a {@link BadBodyError} when it is not JSON at all. */
export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new BadBodyError('the body is not valid JSON');
  }
}

/** The signed token of a reader link (`?token=`), empty when there is none. */
export function tokenOf(c: Context): string {
  return c.req.query('token') ?? '';
}

/** "Tidings D.C. and Tidings SG", in configuration order; the sender's name alone for none. */
export function editionNames(config: TidingsConfig, ids: readonly string[]): string {
  const editions = config.editions.filter((e) => ids.includes(e.id));
  return editions.length > 0 ? joinEditionNames(config.sender.name, editions) : config.sender.name;
}

/** Answers with a page of `templates/pages`, or with JSON for a problem asked for by a JSON client. */
export class Responder {
  constructor(private readonly pages: PageRenderer) {}

  /** The stylesheet every page links to. */
  get stylesheet(): string {
    return this.pages.stylesheet;
  }

  /** The subscribe page's time-zone script. */
  get timeZoneScript(): string {
    return this.pages.timeZoneScript;
  }

  async page(
    c: Context,
    name: PageName,
    status: ContentfulStatusCode,
    title: string,
    data: Record<string, unknown> = {},
  ): Promise<Response> {
    return c.html(await this.pages.render(name, { title, ...data }), status);
  }

  /** `{"error": code, "message"}` (plus `extra`) for JSON clients, the error page for browsers. */
  problem(
    c: Context,
    status: ContentfulStatusCode,
    problem: { code: string; heading: string; message: string },
    extra: Record<string, unknown> = {},
  ): Promise<Response> | Response {
    if (wantsJson(c)) return c.json({ error: problem.code, message: problem.message, ...extra }, status);
    return this.page(c, 'error', status, problem.heading, {
      heading: problem.heading,
      message: problem.message,
    });
  }
}
