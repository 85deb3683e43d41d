/**
 * Brings a store up to date: migrations, then the registries kept in code (sources, issuers).
 * Idempotent and cheap when nothing changed, so every process runs it when it opens the store.
 * @module
 */
import type { Kysely } from 'kysely';
import type { Source } from '../../scrapers/source.js';
import { ARCHIVE_SOURCE } from '../archive/archive-source.js';
import { syncIssuerRegistry } from '../issuers/issuer.repository.js';
import { migrateToLatest } from './migrate.js';
import type { Database } from './schema.js';

type SourceDescription = Pick<Source, 'id' | 'nameZh' | 'nameKo' | 'nameEn' | 'baseUrl' | 'schedule'>;

export async function syncSources(db: Kysely<Database>, sources: readonly SourceDescription[]): Promise<void> {
  for (const s of [...sources, ARCHIVE_SOURCE]) {
    const row = { name_zh: s.nameZh, name_ko: s.nameKo, name_en: s.nameEn, base_url: s.baseUrl, schedule: s.schedule };
    await db
      .insertInto('sources')
      .values({ id: s.id, ...row })
      .onConflict((oc) => oc.column('id').doUpdateSet(row))
      .execute();
  }
}

export interface PreparedStore {
  migrations: string[];
  issuersChanged: number;
}

export async function prepareStore(db: Kysely<Database>, sources: readonly Source[]): Promise<PreparedStore> {
  const migrations = await migrateToLatest(db);
  await syncSources(db, sources);
  const issuersChanged = await syncIssuerRegistry(db);
  return { migrations, issuersChanged };
}
