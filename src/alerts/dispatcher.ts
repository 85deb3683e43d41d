/**
 * Sends recorded deliveries: signed webhooks (Standard Webhooks, or Slack-compatible text) and
 * e-mail. At least once, each under its one `webhook-id`: a delivery is claimed for a lease, sent,
 * then marked delivered or scheduled for its next attempt (default 5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h, 10 h); after the last it is dead with its last error. A process that dies mid-send leaves
 * the claim to expire and the delivery is sent again, with the same id. An endpoint that keeps
 * failing for longer than the disable period has its subscription disabled, and says why.
 * @module
 */
import { type Kysely, sql } from 'kysely';
import { toNoticeJson } from '../api/notice.view.js';
import type { Database, SubscriptionChannel } from '../db/schema.js';
import { shortKoreanDate } from '../enrichment/korean.js';
import { findNoticeById } from '../notices/notice.repository.js';
export { parseDurations } from './durations.js';
import type { Mailer } from './mailer.js';
import { assertSafeWebhookUrl, type Resolver, signWebhook, systemResolver, UnsafeWebhookUrlError } from './webhook.js';

export interface DispatcherOptions {
  db: Kysely<Database>;
  /** Delays before attempts 2, 3, … (ms); after the last one a delivery is dead. */
  retrySchedule: number[];
  allowPrivate: boolean;
  timeoutMs: number;
  /** A subscription failing without a success for this long is disabled. */
  disableAfterMs: number;
  mailer: Mailer | null;
  /** Absolute base of links in messages (unsubscribe, notice pages); read when a message is built. */
  publicUrl: () => string | null;
  fetch?: typeof fetch;
  resolver?: Resolver;
  /**
   * How long a claimed delivery is left alone before another dispatcher may send it. By default
   * long enough to send one claimed batch, each attempt bounded by `timeoutMs`.
   */
  leaseMs?: number;
}

export interface DispatchResult {
  deliveryId: string;
  subscriptionId: string;
  ok: boolean;
  status: number | null;
  error: string | null;
  /** Set when this attempt was the last: the delivery is dead. */
  dead: boolean;
}

export const DEFAULT_RETRY_SCHEDULE = '5s,5m,30m,2h,5h,10h,10h';

/** Deliveries claimed at once. */
const CLAIM_BATCH = 5;

interface Claimed {
  id: string;
  subscription_id: string;
  notice_id: string;
  event: 'notice.created' | 'notice.updated';
  attempts: number;
  created_at: Date;
}

/** Claims due deliveries for a lease (`for update skip locked`: dispatchers never take the same row). */
async function claimDue(db: Kysely<Database>, limit: number, leaseMs: number): Promise<Claimed[]> {
  return db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('deliveries')
      .select(['id', 'subscription_id', 'notice_id', 'event', 'attempts', 'created_at'])
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', new Date())
      .orderBy('next_attempt_at')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    if (due.length) {
      await trx
        .updateTable('deliveries')
        .set({ next_attempt_at: new Date(Date.now() + leaseMs) })
        .where('id', 'in', due.map((d) => d.id))
        .execute();
    }
    return due;
  });
}

/** The text line of a notice in chat and e-mail subjects: `▶ <Korean title> (2020.6.18)`. */
function headline(n: ReturnType<typeof toNoticeJson>): string {
  const date = n.published_date ?? n.written_date;
  return `▶ ${n.title_ko ?? n.title_zh}${date ? ` (${shortKoreanDate(date)})` : ''}`;
}

function noticeLink(n: ReturnType<typeof toNoticeJson>, publicUrl: string | null): string | null {
  return n.url ?? (publicUrl ? `${publicUrl.replace(/\/$/, '')}/notices/${n.id}` : null);
}

export class Dispatcher {
  readonly #fetch: typeof fetch;
  constructor(readonly options: DispatcherOptions) {
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /**
   * Sends what is due, at most `limit` deliveries, claiming a few at a time: a dispatcher that dies
   * holds at most one small batch, and only until its lease runs out.
   */
  async dispatchDue(limit = 50): Promise<DispatchResult[]> {
    const leaseMs = this.options.leaseMs ?? CLAIM_BATCH * this.options.timeoutMs + 5_000;
    const results: DispatchResult[] = [];
    while (results.length < limit) {
      const claimed = await claimDue(this.options.db, Math.min(CLAIM_BATCH, limit - results.length), leaseMs);
      if (claimed.length === 0) break;
      for (const delivery of claimed) results.push(await this.#deliver(delivery));
    }
    return results;
  }

  async #deliver(d: Claimed): Promise<DispatchResult> {
    const { db } = this.options;
    const subscription = await db.selectFrom('subscriptions').selectAll().where('id', '=', d.subscription_id).executeTakeFirst();
    const notice = await findNoticeById(db, d.notice_id);
    let outcome: { ok: boolean; status: number | null; error: string | null };
    if (!subscription || subscription.status !== 'active') {
      outcome = { ok: false, status: null, error: 'the subscription is disabled' };
      await this.#finish(d, outcome, true);
      return { deliveryId: d.id, subscriptionId: d.subscription_id, ...outcome, dead: true };
    }
    if (!notice) {
      outcome = { ok: false, status: null, error: 'the notice no longer exists' };
      await this.#finish(d, outcome, true);
      return { deliveryId: d.id, subscriptionId: d.subscription_id, ...outcome, dead: true };
    }
    const data = toNoticeJson(notice);
    const body = JSON.stringify({ type: d.event, timestamp: new Date(d.created_at).toISOString(), data });
    outcome = await this.send(subscription.channel, subscription.secret, d.id, body, data, subscription.unsubscribe_token);
    const dead = !outcome.ok && d.attempts + 1 > this.options.retrySchedule.length;
    await this.#finish(d, outcome, dead);
    return { deliveryId: d.id, subscriptionId: d.subscription_id, ...outcome, dead };
  }

  async #finish(d: Claimed, outcome: { ok: boolean; status: number | null; error: string | null }, dead: boolean): Promise<void> {
    const { db } = this.options;
    const now = new Date();
    await db.transaction().execute(async (trx) => {
      if (outcome.ok) {
        await trx
          .updateTable('deliveries')
          .set({ status: 'delivered', attempts: d.attempts + 1, delivered_at: now, last_status: outcome.status, last_error: null })
          .where('id', '=', d.id)
          .execute();
        await trx.updateTable('subscriptions').set({ failing_since: null }).where('id', '=', d.subscription_id).execute();
        return;
      }
      const delay = this.options.retrySchedule[d.attempts] ?? 0;
      await trx
        .updateTable('deliveries')
        .set({
          status: dead ? 'dead' : 'pending',
          attempts: d.attempts + 1,
          last_status: outcome.status,
          last_error: outcome.error,
          next_attempt_at: new Date(now.getTime() + delay),
        })
        .where('id', '=', d.id)
        .execute();
      await trx
        .updateTable('subscriptions')
        .set({ failing_since: sql`coalesce(failing_since, ${now})` })
        .where('id', '=', d.subscription_id)
        .execute();
      const failing = await trx.selectFrom('subscriptions').select(['failing_since', 'status']).where('id', '=', d.subscription_id).executeTakeFirst();
      if (failing?.failing_since && failing.status === 'active' && now.getTime() - new Date(failing.failing_since).getTime() > this.options.disableAfterMs) {
        await trx
          .updateTable('subscriptions')
          .set({ status: 'disabled', disabled_reason: `no successful delivery since ${new Date(failing.failing_since).toISOString()}; last error: ${outcome.error}` })
          .where('id', '=', d.subscription_id)
          .execute();
      }
    });
  }

  /** One attempt on one channel. Never throws: a failure is a result. */
  async send(
    channel: SubscriptionChannel,
    secret: string | null,
    id: string,
    body: string,
    data: ReturnType<typeof toNoticeJson> | null,
    unsubscribeToken: string,
  ): Promise<{ ok: boolean; status: number | null; error: string | null }> {
    if (channel.type === 'email') {
      if (!this.options.mailer) return { ok: false, status: null, error: 'e-mail is not configured (SMTP_URL)' };
      try {
        const unsubscribe = this.options.publicUrl() ? `${this.options.publicUrl()!.replace(/\/$/, '')}/unsubscribe/${unsubscribeToken}` : null;
        await this.options.mailer.sendAlert(channel.to, data, unsubscribe, id, data ? noticeLink(data, this.options.publicUrl()) : null);
        return { ok: true, status: null, error: null };
      } catch (error) {
        return { ok: false, status: null, error: `SMTP: ${(error as Error).message}` };
      }
    }
    try {
      const url = await assertSafeWebhookUrl(channel.url, this.options.allowPrivate, this.options.resolver ?? systemResolver);
      const payload = channel.format === 'slack' ? JSON.stringify({ text: slackText(data, this.options.publicUrl()) }) : body;
      const timestamp = Math.floor(Date.now() / 1000);
      const response = await this.#fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'ChinaPolicyTracker-Webhooks/1',
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          ...(secret ? { 'webhook-signature': await signWebhook(secret, id, timestamp, payload) } : {}),
        },
        body: payload,
        redirect: 'manual', // a redirect could point anywhere; it is a failure, not followed
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      await response.body?.cancel();
      if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status, error: null };
      return { ok: false, status: response.status, error: `HTTP ${response.status}${response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : ''}` };
    } catch (error) {
      if (error instanceof UnsafeWebhookUrlError) return { ok: false, status: null, error: `refused: ${error.message}` };
      const e = error as Error & { cause?: { code?: string } };
      if (e.name === 'TimeoutError') return { ok: false, status: null, error: `no answer within ${this.options.timeoutMs} ms` };
      return { ok: false, status: null, error: `network error: ${e.cause?.code ?? e.message}` };
    }
  }
}

/** Slack-compatible incoming-webhook text. */
export function slackText(data: ReturnType<typeof toNoticeJson> | null, publicUrl: string | null): string {
  if (!data) return 'China Policy Tracker: test message';
  const sectors = data.sectors.map((s) => s.name_ko).join(' · ');
  const link = noticeLink(data, publicUrl);
  return [`◆ ${sectors}`, headline(data), data.summary_ko?.split('\n')[0] ?? '', link ? `<${link}|원문>` : ''].filter(Boolean).join('\n');
}

export { headline as noticeHeadline };
