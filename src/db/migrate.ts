/**
 * Applies the migrations in `migrations/` (Kysely `Migrator`, explicit index).
 * @module
 */
import type { Kysely } from 'kysely';
import { type MigrationResultSet, Migrator } from 'kysely/migration';
import { MIGRATIONS } from '../../migrations/index.js';
import type { Database } from './schema.js';

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/**
 * Migrates to the latest schema.
 * @returns the names of the migrations applied by this call (empty when already up to date).
 * @throws {MigrationError} naming the migration that failed.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => MIGRATIONS },
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const cause = result.error instanceof Error ? result.error.message : String(result.error);
    throw new MigrationError(`migration ${failed?.migrationName ?? '?'} failed: ${cause}`);
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
