/**
 * What the app needs from its runtime. Entry points (Node server, tests, Workers) build this;
 * the app never chooses a database, clock or scheduler itself.
 * @module
 */
import type { Kysely } from 'kysely';
import type { Source } from '../../scrapers/source.js';
import type { ApiAccess } from '../config.js';
import type { Database } from '../db/schema.js';
import type { Dispatcher } from '../alerts/dispatcher.js';
import type { Resolver } from '../alerts/webhook.js';
import type { IssuerDirectory } from '../issuers/issuer.directory.js';
import type { Authenticate } from './api-keys.js';

/** Starts a scrape in the background of the running server. */
export interface ScrapeLauncher {
  /** @returns false when a run of this source is already going in this process. */
  start(sourceId: string, options: { full: boolean }): boolean;
}

export interface AppDeps {
  db: Kysely<Database>;
  sources: readonly Source[];
  directory: () => IssuerDirectory;
  /** Checks a presented API key (`apiKeyAuthenticator`): its name, or null. */
  authenticate: Authenticate;
  /** Read authentication, rate limit, proxy trust; reads are public and unlimited when absent. */
  access?: ApiAccess;
  scrapes: ScrapeLauncher | null;
  version: string;
  /** Days without a new notice after which a source is stale (source id or `*`); else its own cadence. */
  staleDays?: Map<string, number>;
  /** Sending alerts (test events) and checking webhook URLs; absent where this instance sends none. */
  alerts?: {
    dispatcher: Dispatcher;
    allowPrivate: boolean;
    resolver?: Resolver;
  };
  /** Absolute base of links in feeds (notice pages); the request's origin when absent. */
  publicUrl?: string | null;
  /** Section order of digests. */
  sectorOrder?: string[];
}
