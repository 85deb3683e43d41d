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
import { createEnricher, type Enricher } from '../enrichment/index.js';
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
      scrapeDeps: () => ({
        db: handle.db,
        http,
        directory: runtime.directory,
        enricher,
        browser: config.browser ? () => (browserFetcher ??= new BrowserFetcher({ http, rateLimits: config.http.rateLimits, timeoutMs: config.http.timeoutMs })) : null,
        stopAfterKnown: config.stopAfterKnown,
        owner: runtime.owner,
      }),
      close: async () => {
        await browserFetcher?.close();
        await handle.close();
      },
    };
    return runtime;
  } catch (error) {
    await handle.close();
    throw error;
  }
}
