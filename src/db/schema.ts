/**
 * The typed database interface: one entry per table, columns as the drivers return them.
 * Dates (`date`) come back as `YYYY-MM-DD` strings (parsers set in `client.ts`), timestamps as `Date`.
 * @module
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** `timestamptz` with a database default: optional on insert, a `Date` when read. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** `date` as an ISO day string. */
type Day = ColumnType<string, string, string>;
/** `jsonb`: pg parses it; on insert we pass a JSON string so both drivers treat it the same way. */
type Json<T> = ColumnType<T, string, string>;

export interface Attachment {
  name: string;
  url: string;
}

/** One problem recorded during a scrape run: which URL, at which stage, and why. */
export interface RunProblem {
  url: string;
  stage: 'robots' | 'list' | 'fetch' | 'parse' | 'store';
  kind: 'error' | 'warning';
  reason: string;
}

export interface SourcesTable {
  id: string;
  name_zh: string;
  name_ko: string;
  name_en: string;
  base_url: string;
  schedule: string;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: Timestamp;
}

export interface IssuersTable {
  id: Generated<number>;
  name_zh: string;
  aliases: ColumnType<string[], string[] | undefined, string[]>;
  parent_id: number | null;
  kind: string;
  name_ko: string | null;
  name_en: string | null;
  sectors: ColumnType<string[], string[] | undefined, string[]>;
}

export interface NoticesTable {
  id: string;
  source_id: string;
  url: string | null;
  archive_id: string | null;
  title_zh: string;
  title_norm: string;
  doc_number: string | null;
  doc_number_norm: string | null;
  first_issuer: string | null;
  doc_type: string | null;
  written_date: Day | null;
  published_date: Day | null;
  effective_date: Day | null;
  /** Generated: `coalesce(published_date, written_date)`. */
  sort_date: ColumnType<string | null, never, never>;
  topic_zh: string | null;
  index_number: string | null;
  origin: string | null;
  validity: string | null;
  body_text: string;
  body_html: string | null;
  attachments: Json<Attachment[]>;
  content_hash: string;
  revision: ColumnType<number, number | undefined, number>;
  title_ko: string | null;
  summary_ko: string | null;
  summary_status: ColumnType<SummaryStatus, SummaryStatus | undefined>;
  korea_relevant: ColumnType<boolean, boolean | undefined, boolean>;
  korea_reasons: ColumnType<string[], string[] | undefined, string[]>;
  key_points: ColumnType<string[], string | undefined, string>;
  effective_period: string | null;
  summary_provider: string | null;
  summary_model: string | null;
  summary_prompt_version: string | null;
  summary_source_hash: string | null;
  summary_created_at: Date | null;
  summary_note: string | null;
  reviewed_by: string | null;
  reviewed_at: Date | null;
  /** Built from `searchLexemes()`; written with `array_to_tsvector`, never read back. */
  search_vector: ColumnType<never, unknown, unknown>;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
  updated_at: Timestamp;
}

/** `pending`: not summarised yet; `machine`: by a provider; `reviewed`: corrected by an analyst. */
export type SummaryStatus = 'pending' | 'machine' | 'reviewed';

export type SectorMethod = 'topic' | 'issuer' | 'keyword' | 'llm' | 'manual';

export interface NoticeSectorsTable {
  notice_id: string;
  code: string;
  score: number;
  method: SectorMethod;
}

export interface EnrichmentJobsTable {
  id: Generated<number>;
  notice_id: string;
  provider: string;
  status: 'pending' | 'running' | 'done' | 'failed';
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface NoticeIssuersTable {
  notice_id: string;
  position: number;
  issuer_id: number | null;
  name_written: string;
}

export interface NoticeSourcesTable {
  url: string;
  notice_id: string;
  source_id: string;
  content_hash: string;
  meta_hash: string;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
}

export interface NoticeRevisionsTable {
  id: Generated<number>;
  notice_id: string;
  revision: number;
  title_zh: string;
  body_text: string;
  body_html: string | null;
  attachments: Json<Attachment[]>;
  content_hash: string;
  source_url: string | null;
  replaced_at: Timestamp;
}

export interface RawPagesTable {
  url: string;
  source_id: string;
  kind: 'list' | 'detail';
  http_status: number;
  content_type: string | null;
  charset: string | null;
  etag: string | null;
  last_modified: string | null;
  sha256: string;
  size: number;
  body_gz: Uint8Array;
  fetched_at: Timestamp;
}

export type RunStatus = 'running' | 'ok' | 'partial' | 'failed' | 'blocked' | 'unreachable' | 'skipped';

export interface ScrapeRunsTable {
  id: Generated<number>;
  source_id: string;
  trigger: string;
  mode: 'incremental' | 'full' | 'reparse';
  host: string | null;
  pid: number | null;
  status: RunStatus;
  message: string | null;
  started_at: Timestamp;
  heartbeat_at: Timestamp;
  finished_at: Date | null;
  last_http_status: number | null;
  seen: ColumnType<number, number | undefined, number>;
  new: ColumnType<number, number | undefined, number>;
  updated: ColumnType<number, number | undefined, number>;
  unchanged: ColumnType<number, number | undefined, number>;
  failed: ColumnType<number, number | undefined, number>;
  errors: Json<RunProblem[]>;
}

export interface SubscriptionFilter {
  sectors?: string[];
  issuers?: string[];
  keywords?: string[];
  doc_types?: string[];
  korea_relevant?: boolean;
}

export type SubscriptionChannel =
  | { type: 'webhook'; url: string; format?: 'standard' | 'slack' }
  | { type: 'email'; to: string };

export interface SubscriptionsTable {
  id: string;
  kind: 'alert' | 'digest';
  filter: Json<SubscriptionFilter>;
  channel: Json<SubscriptionChannel>;
  events: ColumnType<string[], string[], string[]>;
  secret: string | null;
  unsubscribe_token: string;
  status: ColumnType<'active' | 'disabled', 'active' | 'disabled' | undefined, 'active' | 'disabled'>;
  disabled_reason: string | null;
  failing_since: Date | null;
  created_by: string;
  created_at: Timestamp;
}

export interface DeliveriesTable {
  id: string;
  subscription_id: string;
  notice_id: string;
  event: 'notice.created' | 'notice.updated';
  event_key: string;
  status: ColumnType<'pending' | 'delivered' | 'dead', 'pending' | 'delivered' | 'dead' | undefined>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Timestamp;
  last_error: string | null;
  last_status: number | null;
  created_at: Timestamp;
  delivered_at: Date | null;
}

export interface JobLeasesTable {
  job: string;
  holder: string | null;
  expires_at: Date | null;
  last_started_at: Date | null;
  last_finished_at: Date | null;
  last_status: string | null;
  last_message: string | null;
}

/** A key made by `cpt keys create`: only its SHA-256 is kept. */
export interface ApiKeysTable {
  id: Generated<number>;
  name: string;
  /** sha256 hex of the key. */
  key_hash: string;
  /** The key's first characters, for listings (`cpt_Ab3dE9xQ`). */
  prefix: string;
  created_at: Timestamp;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface Database {
  sources: SourcesTable;
  issuers: IssuersTable;
  notices: NoticesTable;
  notice_issuers: NoticeIssuersTable;
  notice_sectors: NoticeSectorsTable;
  enrichment_jobs: EnrichmentJobsTable;
  notice_sources: NoticeSourcesTable;
  notice_revisions: NoticeRevisionsTable;
  raw_pages: RawPagesTable;
  scrape_runs: ScrapeRunsTable;
  subscriptions: SubscriptionsTable;
  deliveries: DeliveriesTable;
  job_leases: JobLeasesTable;
  api_keys: ApiKeysTable;
}

export type NoticeRow = Selectable<NoticesTable>;
export type InsertableNoticeRow = Insertable<NoticesTable>;
export type IssuerRow = Selectable<IssuersTable>;
export type ScrapeRunRow = Selectable<ScrapeRunsTable>;
export type SourceRow = Selectable<SourcesTable>;
