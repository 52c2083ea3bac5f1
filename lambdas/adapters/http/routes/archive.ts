import { Hono } from 'hono';
import { findEdition } from '../../../core/config.js';
import { ATOM_CONTENT_TYPE, atomFeed, FEED_ENTRIES, feedPath } from '../atom-feed.js';
import { PageNotFoundError } from '../request-errors.js';
import { type Env, editionNames, type RouteContext } from '../respond.js';

/** The web version of an issue is email HTML: inline styles and remote images, still no scripts or forms. */
const ISSUE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/** Issues stay cacheable for a few minutes: they hold no reader's data. */
const PUBLIC_CACHE = 'public, max-age=300';

/**
 * `GET /issues?edition=` lists an edition's sent issues; `GET /issues/<edition>.atom` is the same
 * list as an Atom feed (the latest 50); `GET /issues/<issue-id>` is one issue, as published.
 */
export function archiveRoutes(ctx: RouteContext): Hono<Env> {
  const { config, respond, issues } = ctx;
  const app = new Hono<Env>();

  app.get('/issues', async (c) => {
    const editionId = c.req.query('edition') ?? config.editions[0]?.id ?? '';
    const edition = findEdition(config, editionId);
    if (!edition) throw new PageNotFoundError('No such edition', 'There is no edition by that name.');
    const listed = issues ? await issues.listSent(edition.id, 60) : [];
    c.header('Cache-Control', PUBLIC_CACHE);
    return respond.page(c, 'issues', 200, `${edition.name} archive`, {
      editionId: edition.id,
      editionName: editionNames(config, [edition.id]),
      issues: listed,
      feedPath: feedPath(edition.id),
    });
  });

  // Before `/issues/:issueId`, which would take `dc.atom` for an issue id.
  app.get('/issues/:feed{[a-z][a-z0-9-]{0,30}\\.atom}', async (c) => {
    const edition = findEdition(config, c.req.param('feed').slice(0, -'.atom'.length));
    if (!edition) throw new PageNotFoundError('No such edition', 'There is no edition by that name.');
    const entries = issues ? await issues.listSent(edition.id, FEED_ENTRIES) : [];
    return c.body(atomFeed(config, edition, entries, ctx.core.clock.now()), 200, {
      'Content-Type': ATOM_CONTENT_TYPE,
      'Cache-Control': PUBLIC_CACHE,
    });
  });

  app.get('/issues/:issueId', async (c) => {
    const issue = issues ? await issues.get(c.req.param('issueId')) : undefined;
    if (!issue) throw new PageNotFoundError('No such issue', 'There is no published issue by that name.');
    c.header('Content-Security-Policy', ISSUE_CSP);
    c.header('Cache-Control', PUBLIC_CACHE);
    return c.html(issue.html);
  });

  return app;
}
