/**
 * Issuer rows: keeping the table in step with the seed registry, and loading the directory.
 * @module
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { IssuerDirectory } from './issuer.directory.js';
import type { IssuerSeed } from './issuer.types.js';
import { ISSUER_SEED } from './registry-data.js';

function sameArray(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Inserts new seed entries and updates changed ones (names, aliases, parent, sectors).
 * Rows are never deleted: notices keep pointing at bodies that were merged or renamed.
 * @returns how many rows were inserted or updated.
 */
export async function syncIssuerRegistry(db: Kysely<Database>, seed: IssuerSeed[] = ISSUER_SEED): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx.selectFrom('issuers').selectAll().execute();
    const byName = new Map(rows.map((r) => [r.name_zh, r]));
    let changed = 0;
    for (const entry of seed) {
      const parentId = entry.parent ? (byName.get(entry.parent)?.id ?? null) : null;
      const existing = byName.get(entry.nameZh);
      const values = {
        aliases: entry.aliases,
        parent_id: parentId,
        kind: entry.kind,
        name_ko: entry.nameKo,
        name_en: entry.nameEn,
        sectors: entry.sectors,
      };
      if (!existing) {
        const inserted = await trx
          .insertInto('issuers')
          .values({ name_zh: entry.nameZh, ...values })
          .returningAll()
          .executeTakeFirstOrThrow();
        byName.set(entry.nameZh, inserted);
        changed++;
      } else if (
        !sameArray(existing.aliases, entry.aliases) ||
        existing.parent_id !== parentId ||
        existing.kind !== entry.kind ||
        existing.name_ko !== entry.nameKo ||
        existing.name_en !== entry.nameEn ||
        !sameArray(existing.sectors, entry.sectors)
      ) {
        await trx.updateTable('issuers').set(values).where('id', '=', existing.id).execute();
        changed++;
      }
    }
    return changed;
  });
}

/** Loads every issuer into a resolver. */
export async function loadIssuerDirectory(db: Kysely<Database>): Promise<IssuerDirectory> {
  const rows = await db.selectFrom('issuers').select(['id', 'name_zh', 'aliases', 'name_ko']).execute();
  return new IssuerDirectory(rows.map((r) => ({ id: r.id, nameZh: r.name_zh, aliases: r.aliases, nameKo: r.name_ko })));
}
