/**
 * Initial schema: sources, issuers, notices and their issuers, source URLs and revisions,
 * raw fetched pages and scrape runs. Frozen: never import application types here.
 * @module
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sources')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name_zh', 'text', (c) => c.notNull())
    .addColumn('name_ko', 'text', (c) => c.notNull())
    .addColumn('name_en', 'text', (c) => c.notNull())
    .addColumn('base_url', 'text', (c) => c.notNull())
    .addColumn('schedule', 'text', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('issuers')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('name_zh', 'text', (c) => c.notNull().unique())
    .addColumn('aliases', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('parent_id', 'integer', (c) => c.references('issuers.id').onDelete('set null'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name_ko', 'text')
    .addColumn('name_en', 'text')
    .addColumn('sectors', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .execute();

  await db.schema
    .createTable('notices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('source_id', 'text', (c) => c.notNull().references('sources.id'))
    // canonical page URL; null for archive imports whose official URL is unknown
    .addColumn('url', 'text', (c) => c.unique())
    .addColumn('archive_id', 'text', (c) => c.unique())
    .addColumn('title_zh', 'text', (c) => c.notNull())
    // merge key: title without whitespace, punctuation variants or an appended 文号
    .addColumn('title_norm', 'text', (c) => c.notNull())
    .addColumn('doc_number', 'text')
    // merge key: 文号 with brackets and digits normalised (国办发〔2020〕20号)
    .addColumn('doc_number_norm', 'text')
    // merge key: canonical name of the first issuer (or the name as written when unknown)
    .addColumn('first_issuer', 'text')
    .addColumn('doc_type', 'text')
    .addColumn('written_date', 'date')
    .addColumn('published_date', 'date')
    .addColumn('effective_date', 'date')
    // lists sort and filter on this one expression; a stored column lets one index serve both
    .addColumn('sort_date', 'date', (c) => c.generatedAlwaysAs(sql`coalesce(published_date, written_date)`).stored())
    .addColumn('topic_zh', 'text')
    .addColumn('index_number', 'text')
    .addColumn('origin', 'text')
    .addColumn('validity', 'text')
    .addColumn('body_text', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('body_html', 'text')
    .addColumn('attachments', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('title_ko', 'text')
    .addColumn('summary_ko', 'text')
    .addColumn('summary_status', 'text', (c) => c.notNull().defaultTo('pending'))
    // character bigrams of the CJK text and whole Latin words; built by the application
    .addColumn('search_vector', sql`tsvector`, (c) => c.notNull())
    .addColumn('first_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await sql`create index notices_sort_idx on notices (sort_date desc nulls last, id desc)`.execute(db);
  await sql`create index notices_source_sort_idx on notices (source_id, sort_date desc nulls last, id desc)`.execute(db);
  await sql`create index notices_search_idx on notices using gin (search_vector)`.execute(db);
  await db.schema.createIndex('notices_doc_number_idx').on('notices').columns(['doc_number_norm', 'first_issuer']).execute();
  await db.schema.createIndex('notices_title_idx').on('notices').columns(['title_norm', 'written_date']).execute();
  await db.schema.createIndex('notices_doc_type_idx').on('notices').column('doc_type').execute();

  await db.schema
    .createTable('notice_issuers')
    .addColumn('notice_id', 'text', (c) => c.notNull().references('notices.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('issuer_id', 'integer', (c) => c.references('issuers.id'))
    .addColumn('name_written', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('notice_issuers_pk', ['notice_id', 'position'])
    .execute();
  await db.schema.createIndex('notice_issuers_issuer_idx').on('notice_issuers').columns(['issuer_id', 'notice_id']).execute();
  await db.schema.createIndex('notice_issuers_name_idx').on('notice_issuers').columns(['name_written', 'notice_id']).execute();

  await db.schema
    .createTable('notice_sources')
    // a page URL, or an `archive:` identifier for archive imports
    .addColumn('url', 'text', (c) => c.primaryKey())
    .addColumn('notice_id', 'text', (c) => c.notNull().references('notices.id').onDelete('cascade'))
    .addColumn('source_id', 'text', (c) => c.notNull().references('sources.id'))
    // hash of the text as this URL last served it: a revision is a change at one URL,
    // never the difference between two sites' copies of the same document
    .addColumn('content_hash', 'text', (c) => c.notNull())
    // hash of the metadata this URL last stated (文号, dates, issuers …), to notice better parses
    .addColumn('meta_hash', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('notice_sources_notice_idx').on('notice_sources').column('notice_id').execute();

  await db.schema
    .createTable('notice_revisions')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('notice_id', 'text', (c) => c.notNull().references('notices.id').onDelete('cascade'))
    // the revision number the stored text had before it was replaced
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('title_zh', 'text', (c) => c.notNull())
    .addColumn('body_text', 'text', (c) => c.notNull())
    .addColumn('body_html', 'text')
    .addColumn('attachments', 'jsonb', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('source_url', 'text')
    .addColumn('replaced_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('notice_revisions_unique', ['notice_id', 'revision'])
    .execute();

  await db.schema
    .createTable('raw_pages')
    .addColumn('url', 'text', (c) => c.primaryKey())
    .addColumn('source_id', 'text', (c) => c.notNull().references('sources.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('http_status', 'integer', (c) => c.notNull())
    .addColumn('content_type', 'text')
    .addColumn('charset', 'text')
    .addColumn('etag', 'text')
    .addColumn('last_modified', 'text')
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    // the fetched bytes, gzip-compressed, exactly as served (before charset decoding)
    .addColumn('body_gz', 'bytea', (c) => c.notNull())
    .addColumn('fetched_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('raw_pages_source_idx').on('raw_pages').columns(['source_id', 'kind']).execute();

  await db.schema
    .createTable('scrape_runs')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('source_id', 'text', (c) => c.notNull().references('sources.id'))
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    // which process runs it, so a run whose process died can be closed at once
    .addColumn('host', 'text')
    .addColumn('pid', 'integer')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('message', 'text')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('heartbeat_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .addColumn('last_http_status', 'integer')
    .addColumn('seen', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('new', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('unchanged', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('errors', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();
  await db.schema.createIndex('scrape_runs_source_idx').on('scrape_runs').columns(['source_id', 'started_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'scrape_runs',
    'raw_pages',
    'notice_revisions',
    'notice_sources',
    'notice_issuers',
    'notices',
    'issuers',
    'sources',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
