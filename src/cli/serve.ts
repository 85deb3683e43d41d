/**
 * `cpt serve` (`npm start`): opens the store (sharing the embedded database with CLI commands),
 * serves the app, and shuts down cleanly on SIGTERM/SIGINT.
 * @module
 */
import { serve as serveNode, type ServerType } from '@hono/node-server';
import { pino } from 'pino';
import { SOURCES } from '../../scrapers/index.js';
import { createApp } from '../api/app.js';
import type { ScrapeLauncher } from '../api/app-deps.js';
import { type Config, PRODUCT_VERSION } from '../config.js';
import { openRuntime } from '../runtime/node-runtime.js';
import { runScrape } from '../scrape/scrape-runner.js';
import { enrichNotice, processEnrichmentJobs } from '../enrichment/enrichment-runner.js';
import { createSummarizer } from '../enrichment/index.js';
import { importBundledArchiveIfEmpty } from '../archive/bundled-archive.js';

export async function serve(config: Config): Promise<void> {
  const log = pino({ level: config.logLevel === 'silent' ? 'silent' : config.logLevel, base: { service: 'cpt' } });
  const started = Date.now();
  const runtime = await openRuntime(config, 'server', 'cpt serve');
  const controller = new AbortController();
  if (config.importArchive) {
    const imported = await importBundledArchiveIfEmpty(
      { db: runtime.db, directory: runtime.directory, enricher: runtime.enricher, owner: runtime.owner },
      SOURCES,
    );
    if (imported) log.info({ files: imported.files, counts: imported.counts }, 'empty store: imported the bundled archive of real notices');
  }
  const running = new Map<string, Promise<unknown>>();

  const scrapes: ScrapeLauncher = {
    start(sourceId, options) {
      const source = SOURCES.find((s) => s.id === sourceId);
      if (!source || running.has(sourceId)) return false;
      const run = runScrape(runtime.scrapeDeps(), source, { full: options.full, trigger: 'api', signal: controller.signal })
        .then((summary) => log.info({ source: sourceId, status: summary.status, counts: summary.counts }, 'scrape finished'))
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
      apiKeys: () => config.apiKeys,
      scrapes,
      version: PRODUCT_VERSION,
      staleDays: config.staleDays,
    },
    { onUnexpectedError: (err, path) => log.error({ err, path }, 'request failed') },
  );

  // Enrichment in the background: notices stored before enrichment existed (or imported without it),
  // and, with CPT_SUMMARIZER=openai, the queue of model summaries ingest leaves behind.
  const provider = createSummarizer(config.summarizer, config.llm);
  let enriching = false;
  const enrichTick = async () => {
    if (enriching || controller.signal.aborted) return;
    enriching = true;
    try {
      const pending = await runtime.db.selectFrom('notices').select('id').where('summary_status', '=', 'pending').limit(200).execute();
      for (const { id } of pending) {
        if (controller.signal.aborted) break;
        await enrichNotice({ db: runtime.db, enricher: runtime.enricher }, id, runtime.enricher.options.offline);
      }
      if (provider.name !== 'offline') {
        const done = await processEnrichmentJobs({ db: runtime.db, enricher: runtime.enricher }, provider, 20, controller.signal);
        for (const r of done.filter((r) => r.note)) log.warn({ notice: r.noticeId, note: r.note }, 'model summary fell back to offline');
      }
    } catch (error) {
      log.error({ err: error }, 'background enrichment failed');
    } finally {
      enriching = false;
    }
  };
  const enrichTimer = setInterval(() => void enrichTick(), 30_000);
  enrichTimer.unref();
  void enrichTick();

  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serveNode({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  log.info(
    { url, database: runtime.handle.kind, mode: runtime.handle.mode, migrations: runtime.prepared.migrations, ms: Date.now() - started },
    'serving',
  );
  process.stderr.write(`China Policy Tracker ${PRODUCT_VERSION} — ${url}  (API docs: ${url}/docs)\n`);

  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutting down');
      controller.abort(new Error('shutting down'));
      clearInterval(enrichTimer);
      server.close(async () => {
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
