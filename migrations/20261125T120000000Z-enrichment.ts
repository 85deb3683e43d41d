/**
 * Korean enrichment: sectors per notice (with score and method), Korea relevance, the Korean title
 * and summary with their provenance and review state, and a queue for language-model summaries.
 * Frozen: never import application types here.
 * @module
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('notices')
    .addColumn('korea_relevant', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('korea_reasons', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('key_points', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    // when the measures apply, as a provider stated it (a model's `effective_period`)
    .addColumn('effective_period', 'text')
    .addColumn('summary_provider', 'text')
    .addColumn('summary_model', 'text')
    .addColumn('summary_prompt_version', 'text')
    // the content hash the summary was made from: an unchanged text is never summarised again
    .addColumn('summary_source_hash', 'text')
    .addColumn('summary_created_at', 'timestamptz')
    // why a requested provider was not used (e.g. the model timed out and offline was used instead)
    .addColumn('summary_note', 'text')
    .addColumn('reviewed_by', 'text')
    .addColumn('reviewed_at', 'timestamptz')
    .execute();
  await sql`create index notices_korea_idx on notices (sort_date desc nulls last, id desc) where korea_relevant`.execute(db);

  await db.schema
    .createTable('notice_sectors')
    .addColumn('notice_id', 'text', (c) => c.notNull().references('notices.id').onDelete('cascade'))
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('score', 'real', (c) => c.notNull())
    // topic, issuer, keyword, llm or manual
    .addColumn('method', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('notice_sectors_pk', ['notice_id', 'code'])
    .execute();
  await db.schema.createIndex('notice_sectors_code_idx').on('notice_sectors').columns(['code', 'notice_id']).execute();

  await db.schema
    .createTable('enrichment_jobs')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('notice_id', 'text', (c) => c.notNull().references('notices.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // one waiting job per notice and provider: re-queuing is idempotent
  await sql`create unique index enrichment_jobs_pending_idx on enrichment_jobs (notice_id, provider) where status = 'pending'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('enrichment_jobs').ifExists().execute();
  await db.schema.dropTable('notice_sectors').ifExists().execute();
  await sql`drop index if exists notices_korea_idx`.execute(db);
  for (const column of [
    'korea_relevant', 'korea_reasons', 'key_points', 'effective_period', 'summary_provider', 'summary_model', 'summary_prompt_version',
    'summary_source_hash', 'summary_created_at', 'summary_note', 'reviewed_by', 'reviewed_at',
  ]) {
    await db.schema.alterTable('notices').dropColumn(column).execute();
  }
}
