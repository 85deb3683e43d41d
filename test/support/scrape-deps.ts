/**
 * What a scrape needs in tests: the store, the issuer registry, the offline enricher and an HTTP
 * client that sends www.gov.cn to a loopback mirror, fast (no politeness delay, short backoff).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.js';
import { createEnricher } from '../../src/enrichment/index.js';
import { HttpClient } from '../../src/http/http-client.js';
import { loadIssuerDirectory } from '../../src/issuers/issuer.repository.js';
import type { ScrapeDeps } from '../../src/scrape/scrape-runner.js';

export type LoopbackHttp = Partial<ConstructorParameters<typeof HttpClient>[0]>;

export async function loopbackScrapeDeps(db: Kysely<Database>, mirrorOrigin: string, http: LoopbackHttp = {}): Promise<ScrapeDeps> {
  return {
    db,
    directory: await loadIssuerDirectory(db),
    enricher: createEnricher(),
    stopAfterKnown: 10,
    http: new HttpClient({
      userAgent: 'ChinaPolicyTracker/test',
      hostMap: new Map([['www.gov.cn', new URL(mirrorOrigin)]]),
      rateLimits: new Map([['*', 500]]),
      timeoutMs: 2_000,
      retries: 1,
      backoffMs: 10,
      maxBytes: 1 << 20,
      robots: true,
      ...http,
    }),
  };
}
