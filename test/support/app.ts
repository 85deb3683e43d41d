/**
 * The app as tests use it: the real routes over a test database, the issuer registry loaded from
 * it, no scrapes, and only the API keys a test gives.
 */
import type { Kysely } from 'kysely';
import { SOURCES } from '../../scrapers/index.js';
import { apiKeyAuthenticator } from '../../src/api/api-keys.js';
import { type AppDeps, createApp } from '../../src/api/app.js';
import type { ApiKey } from '../../src/config.js';
import type { Database } from '../../src/db/schema.js';
import { loadIssuerDirectory } from '../../src/issuers/issuer.repository.js';

export async function testApp(db: Kysely<Database>, options: { keys?: ApiKey[] } & Partial<AppDeps> = {}) {
  const { keys = [], ...overrides } = options;
  const directory = await loadIssuerDirectory(db);
  return createApp({
    db,
    sources: SOURCES,
    directory: () => directory,
    authenticate: apiKeyAuthenticator(db, keys),
    scrapes: null,
    version: 'test',
    ...overrides,
  });
}
