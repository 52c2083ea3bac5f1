import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

/** Anything with a fetch handler: a Hono app, or a function delegating to one. */
export interface Fetchable {
  fetch(request: Request, env?: unknown): Response | Promise<Response>;
}

export interface RunningApi {
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the app on loopback with `@hono/node-server` (port 0: an ephemeral port), as `tidings dev`,
 * the browser tests and the API benchmark do.
 */
export function serveApp(
  app: Fetchable,
  options: { port?: number; hostname?: string } = {},
): Promise<RunningApi> {
  const hostname = options.hostname ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: (request, env) => app.fetch(request, env), port: options.port ?? 0, hostname },
      (info: AddressInfo) => {
        resolve({
          port: info.port,
          url: `http://${hostname}:${info.port}`,
          close: () =>
            new Promise<void>((done) => {
              (server as Server).closeAllConnections?.();
              server.close(() => done());
            }),
        });
      },
    ) as Server;
    server.once('error', reject);
  });
}
