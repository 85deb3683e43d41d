/**
 * Subscriptions and their deliveries in the store: what `/api/subscriptions` and the
 * `/subscriptions` page both do (create, list, pause/resume, delete, recent deliveries, the test
 * event). Input arrives validated by the API's schemas; the checks that need I/O (the webhook
 * URL's SSRF guard) are here so both callers apply them.
 * @module
 */
import type { Kysely, Selectable } from 'kysely';
import type { DeliveriesTable, Database, SubscriptionChannel, SubscriptionFilter, SubscriptionsTable } from '../db/schema.js';
import type { Dispatcher } from './dispatcher.js';
import { assertSafeWebhookUrl, newWebhookSecret, type Resolver, UnsafeWebhookUrlError } from './webhook.js';

export type SubscriptionRow = Selectable<SubscriptionsTable>;
export type DeliveryRow = Selectable<DeliveriesTable>;
export type DeliveryStatus = DeliveryRow['status'];

export interface NewSubscription {
  kind: 'alert' | 'digest';
  filter: SubscriptionFilter;
  channel: SubscriptionChannel;
  events: string[];
}

/** Where alerts are checked: whether private webhook addresses are allowed, and the DNS resolver. */
export interface WebhookPolicy {
  allowPrivate: boolean;
  resolver?: Resolver | undefined;
}

export function newId(prefix: string, bytes = 12): string {
  return `${prefix}${Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('base64url')}`;
}

/** Checks that need more than the schema: a digest goes by e-mail; a webhook URL passes the SSRF guard. */
export async function subscriptionProblems(input: NewSubscription, policy: WebhookPolicy): Promise<{ parameter: string; detail: string }[]> {
  if (input.kind === 'digest' && input.channel.type !== 'email') {
    return [{ parameter: 'channel.type', detail: 'a digest subscription is sent by e-mail' }];
  }
  if (input.channel.type === 'webhook') {
    try {
      await assertSafeWebhookUrl(input.channel.url, policy.allowPrivate, policy.resolver);
    } catch (error) {
      if (error instanceof UnsafeWebhookUrlError) return [{ parameter: 'channel.url', detail: error.message }];
      throw error;
    }
  }
  return [];
}

/** Stores a checked subscription; a webhook gets its signing secret, returned only here. */
export async function createSubscription(db: Kysely<Database>, input: NewSubscription, createdBy: string): Promise<{ row: SubscriptionRow; secret: string | null }> {
  const secret = input.channel.type === 'webhook' ? newWebhookSecret() : null;
  const row = await db
    .insertInto('subscriptions')
    .values({
      id: newId('sub_'),
      kind: input.kind,
      filter: JSON.stringify(input.filter),
      channel: JSON.stringify(input.channel),
      events: input.events,
      secret,
      unsubscribe_token: newId('', 24),
      created_by: createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { row, secret };
}

export function listSubscriptions(db: Kysely<Database>): Promise<SubscriptionRow[]> {
  return db.selectFrom('subscriptions').selectAll().orderBy('created_at').execute();
}

export function findSubscription(db: Kysely<Database>, id: string): Promise<SubscriptionRow | undefined> {
  return db.selectFrom('subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Deletes a subscription with its deliveries. @returns false when there was none. */
export async function deleteSubscription(db: Kysely<Database>, id: string): Promise<boolean> {
  const result = await db.deleteFrom('subscriptions').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Pauses (`disabled`, with who did it) or re-enables a subscription; re-enabling starts the failure clock afresh. */
export async function setSubscriptionStatus(db: Kysely<Database>, id: string, status: 'active' | 'disabled', by: string): Promise<boolean> {
  const result = await db
    .updateTable('subscriptions')
    .set(status === 'active' ? { status, disabled_reason: null, failing_since: null } : { status, disabled_reason: `paused by ${by}` })
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Delivery counts of one subscription by status. */
export async function deliveryCounts(db: Kysely<Database>, subscriptionId: string): Promise<Record<DeliveryStatus, number>> {
  const counts = await db
    .selectFrom('deliveries')
    .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
    .where('subscription_id', '=', subscriptionId)
    .groupBy('status')
    .execute();
  const count = (s: DeliveryStatus) => Number(counts.find((c) => c.status === s)?.n ?? 0);
  return { pending: count('pending'), delivered: count('delivered'), dead: count('dead') };
}

/** Recent deliveries of a subscription, newest first. */
export function recentDeliveries(db: Kysely<Database>, subscriptionId: string, options: { status?: DeliveryStatus | undefined; limit: number }): Promise<DeliveryRow[]> {
  let query = db.selectFrom('deliveries').selectAll().where('subscription_id', '=', subscriptionId);
  if (options.status) query = query.where('status', '=', options.status);
  return query.orderBy('created_at', 'desc').orderBy('id').limit(options.limit).execute();
}

/** Sends a signed `subscription.test` event now. Never throws for a failing endpoint: the failure is the result. */
export async function sendTestEvent(dispatcher: Dispatcher, row: SubscriptionRow) {
  const id = newId('msg_test_');
  const body = JSON.stringify({ type: 'subscription.test', timestamp: new Date().toISOString(), data: { subscription_id: row.id } });
  const result = await dispatcher.send(row.channel, row.secret, id, body, null, row.unsubscribe_token);
  return { ...result, webhook_id: id };
}
