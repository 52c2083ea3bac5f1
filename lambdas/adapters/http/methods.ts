import type { Hono } from 'hono';
import type { Env, Responder } from './respond.js';

/** A path's methods in the order an `Allow` header lists them. */
const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * The methods each route path answers, read from the app's routes: every route registered with a
 * method (middleware is registered for all methods, or for `*`). A GET route answers HEAD too.
 */
export function allowedMethods(app: Hono<Env>): Map<string, string[]> {
  const byPath = new Map<string, Set<string>>();
  for (const route of app.routes) {
    if (route.method === 'ALL' || route.path === '*' || route.path.endsWith('/*')) continue;
    const methods = byPath.get(route.path) ?? new Set<string>();
    methods.add(route.method);
    if (route.method === 'GET') methods.add('HEAD');
    byPath.set(route.path, methods);
  }
  return new Map(
    [...byPath].map(([path, methods]) => [path, ORDER.filter((m) => methods.has(m))] as [string, string[]]),
  );
}

/**
 * Answers any other method on a known path with 405 and an `Allow` header (RFC 9110, 15.5.6).
 * Call after every route is registered; `extra` adds methods answered by middleware (CORS
 * preflight). Unknown paths stay 404.
 */
export function refuseOtherMethods(
  app: Hono<Env>,
  respond: Responder,
  extra: Readonly<Record<string, readonly string[]>> = {},
): void {
  for (const [path, methods] of allowedMethods(app)) {
    const allow = ORDER.filter((m) => methods.includes(m) || extra[path]?.includes(m)).join(', ');
    app.all(path, (c) => {
      c.header('Allow', allow);
      return respond.problem(c, 405, {
        code: 'method_not_allowed',
        heading: 'Method not allowed',
        message: `This address answers ${allow} only.`,
      });
    });
  }
}
