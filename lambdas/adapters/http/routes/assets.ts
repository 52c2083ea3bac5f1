import { Hono } from 'hono';
import type { Env, RouteContext } from '../respond.js';

/** `GET /assets/pages.css`: the one stylesheet the pages link to. */
export function assetRoutes({ respond }: RouteContext): Hono<Env> {
  return new Hono<Env>().get('/assets/pages.css', (c) => {
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(respond.stylesheet, 200, { 'Content-Type': 'text/css; charset=utf-8' });
  });
}
