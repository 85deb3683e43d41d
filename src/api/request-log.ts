/**
 * Request ids, the access log and the HTTP metrics: every answer carries `X-Request-Id` (a
 * well-formed incoming one is kept, so a proxy's id follows the request through), and each request
 * produces one JSON log line and one metrics observation. The log never has the Authorization
 * header, a key or the query string (search text); the key's name stands for the client.
 * @module
 */
import type { Context, MiddlewareHandler } from 'hono';
import { requestId } from 'hono/request-id';
import { matchedRoutes } from 'hono/route';
import type { AppEnv } from './app-env.js';
import type { AppMetrics } from './metrics.js';

/** What the access log needs of a logger (pino's `Logger` fits). */
export interface AccessLogger {
  info(fields: object, message: string): void;
}

/** One line of the access log. */
export interface AccessLogLine {
  request_id: string;
  method: string;
  path: string;
  route: string;
  status: number;
  ms: number;
  key: string | null;
}

/** Ids from 1–128 word characters, `-` or `=`; anything else is replaced by a new UUID. */
export function requestIds(): MiddlewareHandler<AppEnv> {
  return requestId({ limitLength: 128 });
}

/** The route pattern that answered (`/api/notices/:id`), never the raw path; `unmatched` for 404s of no route. */
export function routeLabel(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    // middleware is registered for ALL methods; handlers for their own
    if (routes[i]!.method !== 'ALL') return routes[i]!.path;
  }
  return 'unmatched';
}

export function observeRequests(options: { logger?: AccessLogger | undefined; metrics: AppMetrics }): MiddlewareHandler<AppEnv> {
  return async function observeRequests(c, next) {
    const started = performance.now();
    await next();
    const ms = performance.now() - started;
    const id = c.get('requestId');
    // a handler that built its own Response dropped the header set before it
    if (id && !c.res.headers.has('x-request-id')) c.header('X-Request-Id', id);
    const route = routeLabel(c);
    options.metrics.recordRequest(c.req.method, route, c.res.status, ms / 1000);
    const line: AccessLogLine = {
      request_id: id,
      method: c.req.method,
      path: c.req.path,
      route,
      status: c.res.status,
      ms: Math.round(ms * 10) / 10,
      key: c.get('apiKeyName') ?? null,
    };
    options.logger?.info(line, 'request');
  };
}
