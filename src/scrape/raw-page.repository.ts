/**
 * The fetched bytes of every page, gzip-compressed, so `cpt reparse` can run improved parsers
 * without fetching again, and conditional GETs can send the last validators.
 * @module
 */
import { gunzipSync, gzipSync } from 'fflate';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { sha256Hex } from '../domain/sha256.js';
import type { FetchedPage } from '../http/http-client.js';

export async function upsertRawPage(
  db: Kysely<Database>,
  sourceId: string,
  kind: 'list' | 'detail',
  page: FetchedPage,
): Promise<void> {
  const row = {
    source_id: sourceId,
    kind,
    http_status: page.status,
    content_type: page.contentType,
    charset: page.charset,
    etag: page.etag,
    last_modified: page.lastModified,
    sha256: await sha256Hex(page.bytes),
    size: page.bytes.byteLength,
    body_gz: gzipSync(page.bytes, { level: 6 }),
    fetched_at: new Date(),
  };
  await db
    .insertInto('raw_pages')
    .values({ url: page.url, ...row })
    .onConflict((oc) => oc.column('url').doUpdateSet(row))
    .execute();
}

export interface StoredValidators {
  etag: string | null;
  lastModified: string | null;
}

/**
 * Validators for a conditional GET — only for pages that produced a stored notice: a 304 for a page
 * that failed to parse would hide the failure instead of retrying it.
 */
export async function findValidators(db: Kysely<Database>, url: string): Promise<StoredValidators | undefined> {
  const row = await db
    .selectFrom('raw_pages')
    .innerJoin('notice_sources', 'notice_sources.url', 'raw_pages.url')
    .select(['raw_pages.etag', 'raw_pages.last_modified'])
    .where('raw_pages.url', '=', url)
    .executeTakeFirst();
  return row ? { etag: row.etag, lastModified: row.last_modified } : undefined;
}

export interface RawPage {
  url: string;
  contentType: string | null;
  bytes: Uint8Array;
}

/** Stored detail pages of a source, in URL order, a batch at a time (keyset on URL). */
export async function* iterateRawPages(
  db: Kysely<Database>,
  sourceId: string,
  batchSize = 200,
): AsyncGenerator<RawPage> {
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('raw_pages')
      .select(['url', 'content_type', 'body_gz'])
      .where('source_id', '=', sourceId)
      .where('kind', '=', 'detail')
      .where('url', '>', after)
      .orderBy('url')
      .limit(batchSize)
      .execute();
    for (const row of rows) yield { url: row.url, contentType: row.content_type, bytes: gunzipSync(new Uint8Array(row.body_gz)) };
    if (rows.length < batchSize) return;
    after = rows[rows.length - 1]!.url;
  }
}
