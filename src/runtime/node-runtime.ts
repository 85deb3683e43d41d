/**
 * Wiring for Node: configuration, the store (opened, migrated, registries synced), the shared
 * HTTP client and the issuer directory. The server and every CLI command start from here.
 * @module
 */
import type { Kysely } from 'kysely';
import { SOURCES } from '../../scrapers/index.js';
import type { Config } from '../config.js';
import { type DatabaseHandle, openDatabase } from '../db/client.js';
import { type PreparedStore, prepareStore } from '../db/prepare-store.js';
import type { Database } from '../db/schema.js';
import { Dispatcher } from '../alerts/dispatcher.js';
import { createMailer, type Mailer } from '../alerts/mailer.js';
import { Outbox } from '../alerts/outbox.js';
import { createEnricher, type Enricher } from '../enrichment/index.js';
import type { PipelineDeps } from '../scrape/process-page.js';
import { BrowserFetcher } from '../http/browser-fetcher.js';
import { HttpClient } from '../http/http-client.js';
import type { IssuerDirectory } from '../issuers/issuer.directory.js';
import { loadIssuerDirectory } from '../issuers/issuer.repository.js';
import type { RunOwner } from '../scrape/scrape-run.repository.js';
import type { ScrapeDeps } from '../scrape/scrape-runner.js';
import { pidAlive } from '../db/data-dir-lock.js';
import { hostname } from 'node:os';

export interface NodeRuntime {
  config: Config;
  handle: DatabaseHandle;
  db: Kysely<Database>;
  http: HttpClient;
  directory: IssuerDirectory;
  prepared: PreparedStore;
  owner: RunOwner;
  enricher: Enricher;
  outbox: Outbox;
  mailer: Mailer | null;
  dispatcher: Dispatcher;
  /** Sets the base of links in messages when `CPT_PUBLIC_URL` is not set (the server's own URL). */
  setPublicUrl(url: string): void;
  publicUrl(): string | null;
  pipelineDeps(): PipelineDeps;
  scrapeDeps(): ScrapeDeps;
  close(): Promise<void>;
}

export function createHttpClient(config: Config): HttpClient {
  return new HttpClient({ ...config.http, hostMap: config.hostMap });
}

export async function openRuntime(config: Config, role: 'server' | 'cli', command: string): Promise<NodeRuntime> {
  const handle = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    role,
    command,
    share: role === 'server' || !config.databaseUrl,
  });
  try {
    const prepared = await prepareStore(handle.db, SOURCES);
    const directory = await loadIssuerDirectory(handle.db);
    const http = createHttpClient(config);
    const enricher = createEnricher(config.summarizer);
    const outbox = new Outbox();
    const mailer = config.smtp.url ? createMailer(config.smtp.url, config.smtp.from, config.alerts.timeoutMs) : null;
    let publicUrl = config.publicUrl;
    const dispatcher = new Dispatcher({
      db: handle.db,
      retrySchedule: config.alerts.retrySchedule,
      allowPrivate: config.alerts.allowPrivate,
      timeoutMs: config.alerts.timeoutMs,
      disableAfterMs: config.alerts.disableAfterMs,
      mailer,
      publicUrl: () => publicUrl,
    });
    let browserFetcher: BrowserFetcher | undefined;
    const runtime: NodeRuntime = {
      config,
      handle,
      db: handle.db,
      http,
      directory,
      prepared,
      owner: { host: hostname(), pid: process.pid, isAlive: pidAlive },
      enricher,
      outbox,
      mailer,
      dispatcher,
      setPublicUrl: (url) => {
        publicUrl ??= url;
      },
      publicUrl: () => publicUrl,
      pipelineDeps: () => ({ db: handle.db, directory: runtime.directory, enricher, outbox, owner: runtime.owner }),
      scrapeDeps: () => ({
        db: handle.db,
        http,
        directory: runtime.directory,
        enricher,
        outbox,
        browser: config.browser ? () => (browserFetcher ??= new BrowserFetcher({ http, rateLimits: config.http.rateLimits, timeoutMs: config.http.timeoutMs })) : null,
        stopAfterKnown: config.stopAfterKnown,
        owner: runtime.owner,
      }),
      close: async () => {
        await browserFetcher?.close();
        mailer?.close();
        await handle.close();
      },
    };
    return runtime;
  } catch (error) {
    await handle.close();
    throw error;
  }
}
