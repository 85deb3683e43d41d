/**
 * List order as a never-null key, so keyset pages are one index range scan in either direction:
 * newest first puts undated notices last (`-infinity`), oldest first puts them last too
 * (`infinity`). A row comparison `(key, id) < ($1, $2)` on these indexes reads only the rows of
 * the page, however deep the page is (exports walk the whole set this way).
 * Frozen: never import application types here.
 * @module
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index notices_newest_idx on notices ((coalesce(sort_date, '-infinity'::date)) desc, id desc)`.execute(db);
  await sql`create index notices_oldest_idx on notices ((coalesce(sort_date, 'infinity'::date)) asc, id asc)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists notices_oldest_idx`.execute(db);
  await sql`drop index if exists notices_newest_idx`.execute(db);
}
