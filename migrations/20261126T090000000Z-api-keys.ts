/**
 * API keys kept in the database (`cpt keys create|list|revoke`), next to those of `CPT_API_KEYS`.
 * Only the SHA-256 of a key is stored: the key is shown once, when it is created. A revoked key
 * stays listed; its name may be given to a new key (one active key per name).
 * Frozen: never import application types here.
 * @module
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('name', 'text', (c) => c.notNull())
    // sha256 hex of the whole key (`cpt_` + 32 random bytes, base64url): looked up on every request
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    // the first characters of the key, so a listing tells keys apart without showing them
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  // names are unique among active keys; revoked ones keep theirs for the record
  await sql`create unique index api_keys_active_name_idx on api_keys (name) where revoked_at is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('api_keys').ifExists().execute();
}
