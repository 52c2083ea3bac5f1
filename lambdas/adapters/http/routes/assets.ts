import { Hono } from 'hono';
import type { Env, RouteContext } from '../respond.js';

/**
 * `GET /assets/pages.css`, the one stylesheet the pages link to, and `GET /assets/time-zone.js`,
 * the one script (linked with its content hash, so cached for a year).
 */
export function assetRoutes({ respond }: RouteContext): Hono<Env> {
  return new Hono<Env>()
    .get('/assets/pages.css', (c) => {
      c.header('Cache-Control', 'public, max-age=3600');
      return c.body(respond.stylesheet, 200, { 'Content-Type': 'text/css; charset=utf-8' });
    })
    .get('/assets/time-zone.js', (c) => {
      c.header('Cache-Control', 'public, max-age=31536000, immutable');
      return c.body(respond.timeZoneScript, 200, { 'Content-Type': 'text/javascript; charset=utf-8' });
    });
}
