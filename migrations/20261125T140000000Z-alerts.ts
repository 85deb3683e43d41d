/**
 * Subscriptions (alerts and digest e-mails), the delivery outbox written in the ingest transaction,
 * and job leases for the scheduler (one instance runs a job at a time, also with pooled connections).
 * Frozen: never import application types here.
 * @module
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    // {sectors, issuers, keywords, doc_types, korea_relevant}; empty means every notice
    .addColumn('filter', 'jsonb', (c) => c.notNull())
    // {type: 'webhook', url, format} or {type: 'email', to}
    .addColumn('channel', 'jsonb', (c) => c.notNull())
    .addColumn('events', sql`text[]`, (c) => c.notNull())
    // the webhook signing secret (`whsec_…`): needed to sign, so kept; shown to the creator once
    .addColumn('secret', 'text')
    .addColumn('unsubscribe_token', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('disabled_reason', 'text')
    // first failure of an unbroken run of failures; a dead endpoint is disabled after a while
    .addColumn('failing_since', 'timestamptz')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('deliveries')
    // the `webhook-id`: fixed when the event is recorded, the same on every attempt
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subscription_id', 'text', (c) => c.notNull().references('subscriptions.id').onDelete('cascade'))
    .addColumn('notice_id', 'text', (c) => c.notNull().references('notices.id').onDelete('cascade'))
    .addColumn('event', 'text', (c) => c.notNull())
    // notice.created, or notice.updated:<revision>: one row per subscription, notice and event
    .addColumn('event_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_error', 'text')
    .addColumn('last_status', 'integer')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('delivered_at', 'timestamptz')
    .addUniqueConstraint('deliveries_event_unique', ['subscription_id', 'notice_id', 'event_key'])
    .execute();
  await sql`create index deliveries_due_idx on deliveries (next_attempt_at) where status = 'pending'`.execute(db);

  await db.schema
    .createTable('job_leases')
    .addColumn('job', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text')
    .addColumn('expires_at', 'timestamptz')
    .addColumn('last_started_at', 'timestamptz')
    .addColumn('last_finished_at', 'timestamptz')
    .addColumn('last_status', 'text')
    .addColumn('last_message', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('job_leases').ifExists().execute();
  await db.schema.dropTable('deliveries').ifExists().execute();
  await db.schema.dropTable('subscriptions').ifExists().execute();
}
