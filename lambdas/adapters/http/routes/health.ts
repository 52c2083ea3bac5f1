import { Hono } from 'hono';
import type { Env } from '../respond.js';

/** `GET /health`: the load balancer's and the operator's check; never rate limited. */
export function healthRoutes(): Hono<Env> {
  return new Hono<Env>().get('/health', (c) => c.json({ ok: true }));
}
