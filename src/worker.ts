/**
 * The Cloudflare Workers entry (wrangler.toml `main`): the same Hono app as `npm start` and the
 * same scheduled jobs on Cron Triggers. It differs from the Node entry only in wiring — the store
 * through Hyperdrive (`workers/request-database.ts`), configuration from `env`
 * (`workers/worker-runtime.ts`), Cron Triggers instead of node-cron (`workers/cron.ts`) — and in
 * the features that need Node, which answer 501 (`workers/node-only-features.ts`).
 * @module
 */
import type { ExecutionContext } from 'hono';
import { SOURCES } from '../scrapers/index.js';
import { createApp } from './api/app.js';
import { apiKeyAuthenticator } from './api/api-keys.js';
import { PRODUCT_VERSION } from './config.js';
import { runTrigger } from './workers/cron.js';
import { nodeOnlyAnswer } from './workers/node-only-features.js';
import { withDatabase } from './workers/request-database.js';
import { createWorkerRuntime, type WorkerEnv, type WorkerRuntime } from './workers/worker-runtime.js';

/** What a Cron Trigger hands the Worker. */
export interface ScheduledController {
  cron: string;
  scheduledTime: number;
}

type App = ReturnType<typeof createApp>;

const log = (level: 'info' | 'error', fields: object, message: string) =>
  console[level === 'error' ? 'error' : 'log'](JSON.stringify({ level, ...fields, msg: message }));

let isolate: { runtime: WorkerRuntime; app: App } | undefined;

/** The runtime and app of this isolate, built on its first invocation (env arrives with it). */
function isolateFor(env: WorkerEnv): { runtime: WorkerRuntime; app: App } {
  if (isolate) return isolate;
  const runtime = createWorkerRuntime(env);
  const { config } = runtime;
  const app = createApp(
    {
      db: runtime.db,
      sources: SOURCES,
      directory: () => runtime.directory(),
      authenticate: apiKeyAuthenticator(runtime.db, config.apiKeys),
      // Cloudflare puts the client's address in CF-Connecting-IP; fetch() passes it on as the one X-Forwarded-For entry
      access: { ...config.access, trustProxy: true },
      // on-demand scrapes need a process that outlives the request; the cron trigger runs them
      scrapes: null,
      version: PRODUCT_VERSION,
      staleDays: config.staleDays,
      alerts: { dispatcher: runtime.dispatcher, allowPrivate: config.alerts.allowPrivate, resolver: runtime.resolver },
      publicUrl: config.publicUrl,
      sectorOrder: config.sectorOrder,
    },
    {
      onUnexpectedError: (error, path) => log('error', { path, err: (error as Error).stack ?? String(error) }, 'request failed'),
      logger: config.logLevel === 'debug' || config.logLevel === 'info' ? { info: (fields, message) => log('info', fields, message) } : undefined,
    },
  );
  isolate = { runtime, app };
  return isolate;
}

/** The request with the client's address as the only X-Forwarded-For entry (never the client's own say). */
function withClientAddress(request: Request): Request {
  const address = request.headers.get('cf-connecting-ip');
  const headers = new Headers(request.headers);
  if (address) headers.set('x-forwarded-for', address);
  else headers.delete('x-forwarded-for');
  return new Request(request, { headers });
}

function configurationProblem(request: Request, error: unknown): Response {
  log('error', { err: (error as Error).message }, 'invalid configuration');
  const body = { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: (error as Error).message, instance: new URL(request.url).pathname };
  return new Response(JSON.stringify(body), { status: 500, headers: { 'content-type': 'application/problem+json; charset=utf-8' } });
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    let current: { runtime: WorkerRuntime; app: App };
    try {
      current = isolateFor(env);
    } catch (error) {
      return configurationProblem(request, error);
    }
    const refused = await nodeOnlyAnswer(request);
    if (refused) return refused;
    return withDatabase(env.HYPERDRIVE.connectionString, ctx, async () => {
      // a store that does not answer is the app's to report (/healthz: 503), not an uncaught error
      await current.runtime.ensureDirectory().catch((error: unknown) => log('error', { err: (error as Error).message }, 'issuer directory not loaded'));
      return current.app.fetch(withClientAddress(request), env, ctx);
    });
  },

  async scheduled(controller: ScheduledController, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    const { runtime } = isolateFor(env);
    const started = Date.now();
    // the invocation lasts until this settles; the pool is closed after it
    const work = withDatabase(env.HYPERDRIVE.connectionString, ctx, () => runTrigger(runtime, controller.cron, new Date(controller.scheduledTime)));
    ctx.waitUntil(
      work.then(
        (report) => log('info', { cron: controller.cron, ms: Date.now() - started, report }, 'scheduled run finished'),
        (error: unknown) => log('error', { cron: controller.cron, err: (error as Error).stack ?? String(error) }, 'scheduled run failed'),
      ),
    );
    await work;
  },
};
