/**
 * Enrichment of one stored notice: sectors and Korea relevance (always, offline), the Korean title and
 * summary (offline, unless an analyst reviewed them or the input is unchanged), and the search index
 * with the Korean text. Runs inside the ingest transaction, so a stored notice always has them; a
 * language-model summary is queued to run afterwards, never blocking ingest.
 * @module
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { SectorCode } from '../domain/sector.js';
import { sha256Hex } from '../domain/sha256.js';
import { noticeLexemes } from '../notices/notice.normalize.js';
import { classifySectors, koreaRelevance } from './sector-classifier.js';
import type { Summarizer, SummaryInput, SummaryOutput } from './summarizer.js';

type Executor = Kysely<Database> | Transaction<Database>;

export interface EnricherOptions {
  /** The offline provider: always available, used inside ingest and as the fallback. */
  offline: Summarizer & { summarizeSync(input: SummaryInput): SummaryOutput };
  /** A provider to queue after ingest (`openai`), or null to use offline only. */
  queuedProvider: string | null;
}

/** What the enricher read about a notice. */
export interface NoticeForEnrichment {
  id: string;
  input: SummaryInput;
  issuerSectors: SectorCode[][];
  summaryStatus: 'pending' | 'machine' | 'reviewed';
  summarySourceHash: string | null;
  titleKo: string | null;
  summaryKo: string | null;
}

export async function loadNoticeForEnrichment(db: Executor, id: string): Promise<NoticeForEnrichment | undefined> {
  const row = await db
    .selectFrom('notices')
    .select([
      'id', 'title_zh', 'doc_number', 'doc_type', 'written_date', 'published_date', 'effective_date', 'topic_zh',
      'body_text', 'summary_status', 'summary_source_hash', 'title_ko', 'summary_ko',
    ])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const issuers = await db
    .selectFrom('notice_issuers as ni')
    .leftJoin('issuers as i', 'i.id', 'ni.issuer_id')
    .select(['ni.name_written', 'i.name_zh', 'i.name_ko', 'i.sectors'])
    .where('ni.notice_id', '=', id)
    .orderBy('ni.position')
    .execute();
  return {
    id: row.id,
    input: {
      titleZh: row.title_zh,
      docNumber: row.doc_number,
      docType: row.doc_type,
      issuers: issuers.map((i) => ({ nameZh: i.name_zh ?? i.name_written, nameKo: i.name_ko })),
      writtenDate: row.written_date,
      publishedDate: row.published_date,
      effectiveDate: row.effective_date,
      topicZh: row.topic_zh,
      bodyText: row.body_text,
    },
    issuerSectors: issuers.map((i) => (i.sectors ?? []) as SectorCode[]),
    summaryStatus: row.summary_status,
    summarySourceHash: row.summary_source_hash,
    titleKo: row.title_ko,
    summaryKo: row.summary_ko,
  };
}

/** The cache key of a summary: everything a provider reads, and the provider's prompt version. */
export function summaryInputHash(input: SummaryInput, promptVersion: string): Promise<string> {
  return sha256Hex(JSON.stringify([promptVersion, input]));
}

export interface StoredSummary extends SummaryOutput {
  provider: string;
  model: string | null;
  promptVersion: string;
  sourceHash: string;
  note: string | null;
}

/** Writes a machine summary unless an analyst reviewed this notice. @returns whether it was written. */
export async function storeMachineSummary(db: Executor, noticeId: string, s: StoredSummary): Promise<boolean> {
  const result = await db
    .updateTable('notices')
    .set({
      title_ko: s.titleKo,
      summary_ko: s.summaryKo,
      key_points: JSON.stringify(s.keyPoints),
      effective_period: s.effectivePeriod ?? null,
      summary_status: 'machine',
      summary_provider: s.provider,
      summary_model: s.model,
      summary_prompt_version: s.promptVersion,
      summary_source_hash: s.sourceHash,
      summary_created_at: new Date(),
      summary_note: s.note,
    })
    .where('id', '=', noticeId)
    .where('summary_status', '!=', 'reviewed')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Rebuilds the search index of a notice from its Chinese and Korean text. */
export async function refreshSearchVector(db: Executor, noticeId: string): Promise<void> {
  const row = await db
    .selectFrom('notices')
    .select(['title_zh', 'body_text', 'doc_number', 'title_ko', 'summary_ko'])
    .where('id', '=', noticeId)
    .executeTakeFirstOrThrow();
  const lexemes = noticeLexemes({
    titleZh: row.title_zh,
    bodyText: row.body_text,
    docNumber: row.doc_number,
    titleKo: row.title_ko,
    summaryKo: row.summary_ko,
  });
  await db
    .updateTable('notices')
    .set({ search_vector: sql`array_to_tsvector(${lexemes}::text[])` })
    .where('id', '=', noticeId)
    .execute();
}

export class Enricher {
  constructor(readonly options: EnricherOptions) {}

  /**
   * Enriches one notice with the offline provider (inside the caller's transaction).
   * @param force re-summarise even when the input is unchanged (`cpt enrich --all`)
   */
  async enrich(db: Executor, noticeId: string, force = false): Promise<void> {
    const notice = await loadNoticeForEnrichment(db, noticeId);
    if (!notice) return;
    await this.writeSectors(db, notice);
    const korea = koreaRelevance(notice.input.titleZh, notice.input.bodyText);

    const offline = this.options.offline;
    const hash = await summaryInputHash(notice.input, offline.promptVersion);
    const upToDate = notice.summarySourceHash !== null && notice.summarySourceHash === hash;
    const resummarise = notice.summaryStatus !== 'reviewed' && (force || !upToDate);
    const summary = resummarise ? offline.summarizeSync(notice.input) : null;
    const titleKo = summary ? summary.titleKo : notice.titleKo;
    const summaryKo = summary ? summary.summaryKo : notice.summaryKo;
    const lexemes = noticeLexemes({ ...notice.input, titleKo, summaryKo });
    // one update: Korea flags, the summary (unless reviewed or unchanged) and the search index
    await db
      .updateTable('notices')
      .set({
        korea_relevant: korea.relevant,
        korea_reasons: korea.reasons,
        search_vector: sql`array_to_tsvector(${lexemes}::text[])`,
        ...(summary
          ? {
              title_ko: summary.titleKo,
              summary_ko: summary.summaryKo,
              key_points: JSON.stringify(summary.keyPoints),
              effective_period: summary.effectivePeriod ?? null,
              summary_status: 'machine' as const,
              summary_provider: offline.name,
              summary_model: offline.model,
              summary_prompt_version: offline.promptVersion,
              summary_source_hash: hash,
              summary_created_at: new Date(),
              summary_note: null,
            }
          : {}),
      })
      .where('id', '=', noticeId)
      .execute();
    if (summary && this.options.queuedProvider) {
      await db
        .insertInto('enrichment_jobs')
        .values({ notice_id: noticeId, provider: this.options.queuedProvider, status: 'pending' })
        .onConflict((oc) => oc.columns(['notice_id', 'provider']).where('status', '=', 'pending').doNothing())
        .execute();
    }
  }

  /** Replaces the computed sectors; an analyst's `manual` ones stay (the insert skips their codes). */
  async writeSectors(db: Executor, notice: NoticeForEnrichment): Promise<void> {
    const sectors = classifySectors({
      topicZh: notice.input.topicZh,
      issuerSectors: notice.issuerSectors,
      titleZh: notice.input.titleZh,
      bodyText: notice.input.bodyText,
    });
    await db.deleteFrom('notice_sectors').where('notice_id', '=', notice.id).where('method', '!=', 'manual').execute();
    await db
      .insertInto('notice_sectors')
      .values(sectors.map((s) => ({ notice_id: notice.id, ...s })))
      .onConflict((oc) => oc.columns(['notice_id', 'code']).doNothing())
      .execute();
  }
}
