import { Hono } from 'hono';
import { findEdition } from '../../../core/config.js';
import { PageNotFoundError } from '../request-errors.js';
import { type Env, editionNames, type RouteContext } from '../respond.js';

/** The web version of an issue is email HTML: inline styles and remote images, still no scripts or forms. */
const ISSUE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/** Issues stay cacheable for a few minutes: they hold no reader's data. */
const PUBLIC_CACHE = 'public, max-age=300';

/** `GET /issues?edition=` lists an edition's sent issues; `GET /issues/<issue-id>` is one, as published. */
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
