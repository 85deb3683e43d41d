/**
 * Storing a notice: one transaction per notice, idempotent, merging copies of one document.
 *
 * Matching order: a URL already known (any source) → normalised 文号 + first issuer →
 * normalised title + written date. A known URL whose text changed gets a new revision (the old
 * text goes to `notice_revisions`); the same document found at a new URL gains that URL and fills
 * fields it lacked, without a revision — two sites' copies of one text differ in formatting, and
 * that is not a change of the document.
 * @module
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, NoticeRow } from '../db/schema.js';
import { type NormalizedNotice, noticeLexemes } from './notice.normalize.js';

export type IngestOutcome = 'new' | 'revised' | 'merged' | 'updated' | 'unchanged';

export interface IngestResult {
  noticeId: string;
  outcome: IngestOutcome;
}

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/** An opaque id: time-ordered (so ties in date sort by arrival) and random; never reused on merge. */
export function newNoticeId(now: number = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 9; i++) {
    time = CROCKFORD[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  const random = crypto.getRandomValues(new Uint8Array(8));
  return `n${time}${Array.from(random, (b) => CROCKFORD[b % 32]).join('')}`;
}

function tsvector(lexemes: string[]) {
  return sql`array_to_tsvector(${lexemes}::text[])`;
}

/** What this URL served last time: its text and metadata fingerprints. */
interface LocatorState {
  contentHash: string;
  metaHash: string;
}

async function findMatch(trx: Transaction<Database>, n: NormalizedNotice): Promise<{ row: NoticeRow; byLocator: LocatorState | null } | null> {
  const known = await trx
    .selectFrom('notice_sources')
    .innerJoin('notices', 'notices.id', 'notice_sources.notice_id')
    .selectAll('notices')
    .select(['notice_sources.content_hash as locator_content_hash', 'notice_sources.meta_hash as locator_meta_hash'])
    .where('notice_sources.url', '=', n.locator)
    .executeTakeFirst();
  if (known) {
    const { locator_content_hash, locator_meta_hash, ...row } = known;
    return { row, byLocator: { contentHash: locator_content_hash, metaHash: locator_meta_hash } };
  }
  if (n.docNumberNorm && n.firstIssuer) {
    const row = await trx
      .selectFrom('notices')
      .selectAll()
      .where('doc_number_norm', '=', n.docNumberNorm)
      .where('first_issuer', '=', n.firstIssuer)
      .orderBy('first_seen_at')
      .limit(1)
      .executeTakeFirst();
    if (row) return { row, byLocator: null };
  }
  if (n.writtenDate) {
    const row = await trx
      .selectFrom('notices')
      .selectAll()
      .where('title_norm', '=', n.titleNorm)
      .where('written_date', '=', n.writtenDate)
      .orderBy('first_seen_at')
      .limit(1)
      .executeTakeFirst();
    if (row) return { row, byLocator: null };
  }
  return null;
}

async function writeIssuers(trx: Transaction<Database>, noticeId: string, n: NormalizedNotice): Promise<void> {
  await trx.deleteFrom('notice_issuers').where('notice_id', '=', noticeId).execute();
  const rows = issuerRows(n, noticeId);
  if (rows.length) await trx.insertInto('notice_issuers').values(rows).execute();
}

async function sameIssuers(trx: Transaction<Database>, noticeId: string, n: NormalizedNotice): Promise<boolean> {
  const rows = await trx
    .selectFrom('notice_issuers')
    .select(['issuer_id', 'name_written'])
    .where('notice_id', '=', noticeId)
    .orderBy('position')
    .execute();
  return (
    rows.length === n.issuers.length &&
    rows.every((r, i) => r.issuer_id === (n.issuers[i]!.issuer?.id ?? null) && r.name_written === n.issuers[i]!.written)
  );
}

/** Metadata a page states. */
function metadataOf(n: NormalizedNotice) {
  return {
    doc_number: n.docNumber,
    doc_number_norm: n.docNumberNorm,
    first_issuer: n.firstIssuer,
    doc_type: n.docType,
    written_date: n.writtenDate,
    published_date: n.publishedDate,
    effective_date: n.effectiveDate,
    topic_zh: n.topicZh,
    index_number: n.indexNumber,
    origin: n.origin,
    validity: n.validity,
  };
}

/**
 * The text columns of a notice. The search index is built here only when no enricher runs in the
 * same transaction: the enricher rebuilds it anyway, with the Korean title and summary.
 */
function textOf(n: NormalizedNotice, index = true) {
  return {
    title_zh: n.titleZh,
    title_norm: n.titleNorm,
    body_text: n.bodyText,
    body_html: n.bodyHtml,
    attachments: JSON.stringify(n.attachments),
    content_hash: n.contentHash,
    ...(index ? { search_vector: tsvector(noticeLexemes(n)) } : {}),
  };
}

function locatorRow(n: NormalizedNotice, noticeId: string, now: Date) {
  return {
    url: n.locator,
    notice_id: noticeId,
    source_id: n.sourceId,
    content_hash: n.contentHash,
    meta_hash: n.metaHash,
    first_seen_at: now,
    last_seen_at: now,
  };
}

/**
 * Fields of `n` that differ from the stored notice. A null never erases a value: copies of one
 * document on several sites state different subsets of the metadata.
 */
function changedMetadata(row: NoticeRow, n: NormalizedNotice): Partial<ReturnType<typeof metadataOf>> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(metadataOf(n))) {
    if (v !== null && (row as unknown as Record<string, unknown>)[k] !== v) out[k] = v;
  }
  return out as Partial<ReturnType<typeof metadataOf>>;
}

/** The rows a new notice consists of: the notice, its URL, its issuers in order. */
export function newNoticeRows(n: NormalizedNotice, id: string, now: Date, index = true) {
  return {
    notice: {
      id,
      source_id: n.sourceId,
      url: n.url,
      archive_id: n.archiveId,
      ...metadataOf(n),
      ...textOf(n, index),
      // an empty index until the enricher, in the same transaction, writes the real one
      ...(index ? {} : { search_vector: sql`''::tsvector` }),
      first_seen_at: now,
      last_seen_at: now,
      updated_at: now,
    },
    locator: locatorRow(n, id, now),
    issuers: issuerRows(n, id),
  };
}

function issuerRows(n: NormalizedNotice, noticeId: string) {
  return n.issuers.map((i, position) => ({
    notice_id: noticeId,
    position,
    issuer_id: i.issuer?.id ?? null,
    name_written: i.written,
  }));
}

async function insertNew(trx: Transaction<Database>, n: NormalizedNotice, now: Date, index: boolean): Promise<IngestResult> {
  const id = newNoticeId(now.getTime());
  const rows = newNoticeRows(n, id, now, index);
  await trx.insertInto('notices').values(rows.notice).execute();
  await trx.insertInto('notice_sources').values(rows.locator).execute();
  if (rows.issuers.length) await trx.insertInto('notice_issuers').values(rows.issuers).execute();
  return { noticeId: id, outcome: 'new' };
}

/**
 * The document is known at this URL. Compared with what this URL served last time (not with the
 * notice, whose fields may come from another site's copy): the same → touch it; changed text → a new
 * revision; changed metadata only → update those fields (a better parser, a corrected page).
 */
async function updateKnown(
  trx: Transaction<Database>,
  row: NoticeRow,
  last: LocatorState,
  n: NormalizedNotice,
  now: Date,
  index: boolean,
): Promise<IngestResult> {
  await trx
    .updateTable('notice_sources')
    .set({ last_seen_at: now, content_hash: n.contentHash, meta_hash: n.metaHash })
    .where('url', '=', n.locator)
    .execute();
  const textChanged = last.contentHash !== n.contentHash;
  const metaChanged = last.metaHash !== n.metaHash;
  if (!textChanged && !metaChanged) {
    await trx.updateTable('notices').set({ last_seen_at: now }).where('id', '=', row.id).execute();
    return { noticeId: row.id, outcome: 'unchanged' };
  }
  const meta = changedMetadata(row, n);
  const issuersChanged = n.issuers.length > 0 && !(await sameIssuers(trx, row.id, n));
  if (textChanged) {
    await trx
      .insertInto('notice_revisions')
      .values({
        notice_id: row.id,
        revision: row.revision,
        title_zh: row.title_zh,
        body_text: row.body_text,
        body_html: row.body_html,
        attachments: JSON.stringify(row.attachments),
        content_hash: row.content_hash,
        source_url: n.url,
        replaced_at: now,
      })
      .execute();
    await trx
      .updateTable('notices')
      .set({ ...meta, ...textOf(n, index), revision: row.revision + 1, last_seen_at: now, updated_at: now })
      .where('id', '=', row.id)
      .execute();
    if (issuersChanged) await writeIssuers(trx, row.id, n);
    return { noticeId: row.id, outcome: 'revised' };
  }
  if (Object.keys(meta).length === 0 && !issuersChanged) {
    await trx.updateTable('notices').set({ last_seen_at: now }).where('id', '=', row.id).execute();
    return { noticeId: row.id, outcome: 'unchanged' };
  }
  await trx.updateTable('notices').set({ ...meta, last_seen_at: now, updated_at: now }).where('id', '=', row.id).execute();
  if (issuersChanged) await writeIssuers(trx, row.id, n);
  return { noticeId: row.id, outcome: 'updated' };
}

/** The same document found at a new URL or source: add the URL, fill what the notice lacked. */
async function mergeCopy(
  trx: Transaction<Database>,
  row: NoticeRow,
  n: NormalizedNotice,
  now: Date,
  index: boolean,
): Promise<IngestResult> {
  await trx
    .insertInto('notice_sources')
    .values(locatorRow(n, row.id, now))
    .execute();
  const meta = metadataOf(n);
  const fill: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta)) {
    if (v !== null && (row as unknown as Record<string, unknown>)[k] === null) fill[k] = v;
  }
  if (!row.url && n.url) fill.url = n.url;
  // An archive copy or a metadata-only page gives way to a copy with text.
  if (!row.body_text && n.bodyText) Object.assign(fill, textOf(n, index));
  else if (row.attachments.length === 0 && n.attachments.length > 0) fill.attachments = JSON.stringify(n.attachments);
  await trx
    .updateTable('notices')
    .set({ ...fill, last_seen_at: now, ...(Object.keys(fill).length ? { updated_at: now } : {}) })
    .where('id', '=', row.id)
    .execute();
  const hasIssuers = await trx.selectFrom('notice_issuers').select('position').where('notice_id', '=', row.id).limit(1).executeTakeFirst();
  if (!hasIssuers && n.issuers.length) await writeIssuers(trx, row.id, n);
  return { noticeId: row.id, outcome: 'merged' };
}

const UNIQUE_VIOLATION = '23505';

/** Runs in the ingest transaction after a notice was written (sectors, Korean title and summary). */
export interface IngestEnricher {
  enrich(trx: Transaction<Database>, noticeId: string): Promise<void>;
}

/** Records the alert deliveries a stored notice causes, in the same transaction (the outbox). */
export interface IngestOutbox {
  record(trx: Transaction<Database>, noticeId: string, outcome: IngestOutcome): Promise<number>;
}

export interface IngestOptions {
  /** Enrichment inside the same transaction; null only where a caller enriches separately. */
  enricher: IngestEnricher | null;
  /** Alert deliveries, matched on the enriched notice, in the same transaction. */
  outbox?: IngestOutbox | null;
  now?: Date;
}

/**
 * Stores one notice in its own transaction, enriched in that transaction when anything changed.
 * A concurrent writer inserting the same document first makes this one retry and merge.
 */
export async function ingestNotice(db: Kysely<Database>, n: NormalizedNotice, options: IngestOptions): Promise<IngestResult> {
  const now = options.now ?? new Date();
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction().execute(async (trx) => {
        const match = await findMatch(trx, n);
        const index = options.enricher === null;
        const result = !match
          ? await insertNew(trx, n, now, index)
          : match.byLocator !== null
            ? await updateKnown(trx, match.row, match.byLocator, n, now, index)
            : await mergeCopy(trx, match.row, n, now, index);
        if (result.outcome !== 'unchanged' && options.enricher) await options.enricher.enrich(trx, result.noticeId);
        if (options.outbox) await options.outbox.record(trx, result.noticeId, result.outcome);
        return result;
      });
    } catch (error) {
      if (attempt < 2 && (error as { code?: string }).code === UNIQUE_VIOLATION) continue;
      throw error;
    }
  }
}
