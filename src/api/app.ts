/**
 * The Hono application: API routes, OpenAPI document, Swagger UI and health check, with one error
 * handler that renders every failure as problem+json and never shows a stack trace.
 * @module
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { swaggerUI } from '@hono/swagger-ui';
import { sql } from 'kysely';
import type { AppDeps } from './app-deps.js';
import type { AppEnv } from './app-env.js';
import { noticeRoutes } from './notices.routes.js';
import { problemJson, ProblemException } from './problem.js';
import { digestRoutes } from './digests.routes.js';
import { feedRoutes } from './feeds.routes.js';
import { sourceRoutes } from './sources.routes.js';
import { subscriptionRoutes } from './subscriptions.routes.js';
import { validationHook } from './validation.js';
import { accessGate } from './access.js';
import { AppMetrics } from './metrics.js';
import { withAccessResponses } from './openapi-document.js';
import { type AccessLogger, observeRequests, requestIds } from './request-log.js';
import { webPages } from '../web/pages.js';

export type { AppDeps } from './app-deps.js';

export interface AppOptions {
  /** Where unexpected errors are reported (never to the client). */
  onUnexpectedError?: (error: unknown, path: string) => void;
  /** The access log: one line per request (pino's logger fits). None when absent. */
  logger?: AccessLogger;
  /** Node process metrics in `/metrics` (the server; tests and benchmarks leave them out). */
  processMetrics?: boolean;
}

export function createApp(deps: AppDeps, options: AppOptions = {}) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const metrics = new AppMetrics(deps.db, { processMetrics: options.processMetrics ?? false });

  // request id first, so every answer and log line has one; then the log and metrics around the rest
  app.use('*', requestIds());
  app.use('*', observeRequests({ logger: options.logger, metrics }));
  app.use('/api/*', accessGate(deps, { rateLimit: true }));

  app.get('/metrics', accessGate(deps, { rateLimit: false }), async (c) => c.body(await metrics.render(), 200, { 'content-type': metrics.contentType }));

  app.get('/healthz', async (c) => {
    try {
      await sql`select 1`.execute(deps.db);
      return c.json({ status: 'ok', version: deps.version });
    } catch {
      return problemJson(c, 503, 'the database does not answer');
    }
  });

  app.route('/', noticeRoutes(deps));
  app.route('/', sourceRoutes(deps));
  app.route('/', subscriptionRoutes(deps));
  app.route('/', digestRoutes(deps));
  app.route('/', feedRoutes(deps));
  app.route('/', webPages(deps));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key: one made by `cpt keys create`, or one from CPT_API_KEYS',
  });
  let openApiDocument: string | undefined;
  const openApiConfig = {
    openapi: '3.1.0',
    info: {
      title: 'China Policy Tracker API',
      version: deps.version,
      description: 'Chinese central-government policy notices with Korean enrichment. Errors are RFC 9457 problem+json.',
    },
  };
  app.get('/openapi.json', (c) => {
    // built once, on first request: every route is registered by then
    openApiDocument ??= JSON.stringify(withAccessResponses(app.getOpenAPI31Document(openApiConfig), deps.access));
    return c.body(openApiDocument, 200, { 'content-type': 'application/json' });
  });
  app.get('/docs', swaggerUI({ url: '/openapi.json' }));

  app.notFound((c) => problemJson(c, 404, `no route ${c.req.method} ${new URL(c.req.url).pathname}`));
  app.onError((error, c) => {
    if (error instanceof ProblemException) {
      return problemJson(c, error.status, error.detail, error.errors, error.headers);
    }
    if (error instanceof Error && 'status' in error && (error as { status: number }).status === 400) {
      // malformed JSON bodies and similar from Hono's own validators
      return problemJson(c, 400, error.message);
    }
    options.onUnexpectedError?.(error, new URL(c.req.url).pathname);
    return problemJson(c, 500, 'an unexpected error occurred; it has been logged');
  });
  return app;
}

export type App = ReturnType<typeof createApp>;
