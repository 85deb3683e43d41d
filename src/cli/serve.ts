/**
 * `cpt serve` (`npm start`): opens the store (sharing the embedded database with CLI commands),
 * imports the bundled archive into an empty store, serves the app, runs the scheduled jobs (unless
 * `CPT_SCHEDULER=0`), and shuts down cleanly on SIGTERM/SIGINT: stop taking jobs, finish or
 * release the running ones, close the database.
 * @module
 */
import { serve as serveNode, type ServerType } from '@hono/node-server';
import { pino } from 'pino';
import { SOURCES } from '../../scrapers/index.js';
import { createApp } from '../api/app.js';
import type { ScrapeLauncher } from '../api/app-deps.js';
import { apiKeyAuthenticator } from '../api/api-keys.js';
import { importBundledArchiveIfEmpty } from '../archive/bundled-archive.js';
import { type Config, PRODUCT_VERSION } from '../config.js';
import { runtimeJobs } from '../jobs/jobs.js';
import { Scheduler } from '../jobs/scheduler.js';
import { openRuntime } from '../runtime/node-runtime.js';
import { runScrape } from '../scrape/scrape-runner.js';

export async function serve(config: Config): Promise<void> {
  const log = pino({ level: config.logLevel === 'silent' ? 'silent' : config.logLevel, base: { service: 'cpt' } });
  const started = Date.now();
  const runtime = await openRuntime(config, 'server', 'cpt serve');
  const controller = new AbortController();
  const running = new Map<string, Promise<unknown>>();

  if (config.importArchive) {
    const imported = await importBundledArchiveIfEmpty(runtime.pipelineDeps(), SOURCES);
    if (imported) log.info({ files: imported.files, counts: imported.counts }, 'empty store: imported the bundled archive of real notices');
  }

  const scrapes: ScrapeLauncher = {
    start(sourceId, options) {
      const source = SOURCES.find((s) => s.id === sourceId);
      if (!source || running.has(sourceId)) return false;
      const run = runScrape(runtime.scrapeDeps(), source, { full: options.full, trigger: 'api', signal: controller.signal })
        .then(async (summary) => {
          log.info({ source: sourceId, status: summary.status, counts: summary.counts }, 'scrape finished');
          // alerts follow a scrape at once, as after a scheduled one
          await runtime.dispatcher.dispatchDue(200);
        })
        .catch((error: unknown) => log.error({ source: sourceId, err: error }, 'scrape crashed'))
        .finally(() => running.delete(sourceId));
      running.set(sourceId, run);
      return true;
    },
  };

  const app = createApp(
    {
      db: runtime.db,
      sources: SOURCES,
      directory: () => runtime.directory,
      authenticate: apiKeyAuthenticator(runtime.db, config.apiKeys),
      access: config.access,
      scrapes,
      version: PRODUCT_VERSION,
      staleDays: config.staleDays,
      alerts: { dispatcher: runtime.dispatcher, allowPrivate: config.alerts.allowPrivate },
      publicUrl: config.publicUrl,
      sectorOrder: config.sectorOrder,
    },
    { onUnexpectedError: (err, path) => log.error({ err, path }, 'request failed'), logger: log, processMetrics: true },
  );

  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serveNode({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  runtime.setPublicUrl(url);

  const scheduler = config.scheduler.enabled
    ? new Scheduler(
        runtime.db,
        runtimeJobs(runtime),
        { info: (f, m) => log.info(f, m), error: (f, m) => log.error(f, m) },
      )
    : null;
  scheduler?.start();

  log.info(
    {
      url,
      database: runtime.handle.kind,
      mode: runtime.handle.mode,
      migrations: runtime.prepared.migrations,
      scheduler: scheduler ? 'on' : 'off (CPT_SCHEDULER=0)',
      ms: Date.now() - started,
    },
    'serving',
  );
  process.stderr.write(`China Policy Tracker ${PRODUCT_VERSION} — ${url}  (API docs: ${url}/docs)\n`);

  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutting down');
      controller.abort(new Error('shutting down'));
      server.close(async () => {
        await scheduler?.stop();
        await Promise.allSettled(running.values());
        await runtime.close();
        resolve();
      });
      // close idle keep-alive sockets so close() can finish
      (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
}
