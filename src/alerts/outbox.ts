/**
 * The delivery outbox: when ingest stores a new notice (or a new revision), the same transaction
 * records one delivery row per matching subscription and event. Sending happens later (the
 * dispatcher), so a crash between the two loses nothing, and a re-scrape, a restart or a second app
 * instance never records an event twice (a unique key on subscription, notice and event).
 * Matching uses what ingest knows: the offline sectors, issuers, type, Korea flags and text;
 * a later model re-enrichment never creates deliveries.
 * @module
 */
import { sql, type Transaction } from 'kysely';
import type { Database, SubscriptionFilter } from '../db/schema.js';
import type { IngestOutbox, IngestOutcome } from '../notices/notice.ingest.js';

/** What a filter is matched against. */
export interface MatchableNotice {
  sectors: string[];
  /** Canonical Chinese names, aliases, Korean names and the names as written. */
  issuers: string[];
  docType: string | null;
  koreaRelevant: boolean;
  /** Title, body and Korean title/summary, for keywords. */
  text: string;
}

/**
 * Whether a notice matches a filter: every given criterion must hold; within one criterion any
 * value may (sectors: any of them; keywords: any of them). An empty filter matches every notice.
 */
export function matchesFilter(n: MatchableNotice, f: SubscriptionFilter): boolean {
  if (f.sectors?.length && !f.sectors.some((s) => n.sectors.includes(s))) return false;
  if (f.issuers?.length && !f.issuers.some((i) => n.issuers.includes(i))) return false;
  if (f.doc_types?.length && (!n.docType || !f.doc_types.includes(n.docType))) return false;
  if (f.korea_relevant === true && !n.koreaRelevant) return false;
  if (f.keywords?.length) {
    const text = n.text.toLowerCase();
    if (!f.keywords.some((k) => text.includes(k.toLowerCase()))) return false;
  }
  return true;
}

/** An opaque, stable message id (`msg_…`), the `webhook-id` of every attempt. */
export function newDeliveryId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `msg_${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

async function loadMatchable(trx: Transaction<Database>, noticeId: string) {
  const notice = await trx
    .selectFrom('notices')
    .select(['id', 'source_id', 'title_zh', 'title_ko', 'summary_ko', 'body_text', 'doc_type', 'korea_relevant', 'revision', 'first_seen_at'])
    .where('id', '=', noticeId)
    .executeTakeFirstOrThrow();
  const [sectors, issuers] = await Promise.all([
    trx.selectFrom('notice_sectors').select('code').where('notice_id', '=', noticeId).execute(),
    trx
      .selectFrom('notice_issuers as ni')
      .leftJoin('issuers as i', 'i.id', 'ni.issuer_id')
      .select(['ni.name_written', 'i.name_zh', 'i.name_ko', 'i.aliases'])
      .where('ni.notice_id', '=', noticeId)
      .execute(),
  ]);
  const matchable: MatchableNotice = {
    sectors: sectors.map((s) => s.code),
    issuers: issuers.flatMap((i) => [i.name_written, ...(i.name_zh ? [i.name_zh, ...(i.aliases ?? [])] : []), ...(i.name_ko ? [i.name_ko] : [])]),
    docType: notice.doc_type,
    koreaRelevant: notice.korea_relevant,
    text: [notice.title_zh, notice.title_ko, notice.summary_ko, notice.body_text].filter(Boolean).join('\n'),
  };
  return { notice, matchable };
}


/** Sources whose notices never alert: imports of old material are backlog, not news. */
const NO_ALERT_SOURCES = new Set(['archive']);

export class Outbox implements IngestOutbox {
  /**
   * Records the deliveries a stored notice causes.
   * @returns how many rows were added
   */
  async record(trx: Transaction<Database>, noticeId: string, outcome: IngestOutcome): Promise<number> {
    const event: 'notice.created' | 'notice.updated' | null =
      outcome === 'new' ? 'notice.created' : outcome === 'revised' ? 'notice.updated' : null;
    if (!event) return 0;
    const subscriptions = await trx
      .selectFrom('subscriptions')
      .select(['id', 'filter', 'events', 'created_at'])
      .where('kind', '=', 'alert')
      .where('status', '=', 'active')
      .where(sql<boolean>`${event} = any(events)`)
      .execute();
    if (subscriptions.length === 0) return 0;
    const { notice, matchable } = await loadMatchable(trx, noticeId);
    if (NO_ALERT_SOURCES.has(notice.source_id)) return 0;
    const firstSeen = new Date(notice.first_seen_at).getTime();
    const rows = subscriptions
      // a subscription alerts on notices first seen after it was created, never on the backlog
      .filter((s) => firstSeen > new Date(s.created_at).getTime() && matchesFilter(matchable, s.filter))
      .map((s) => ({
        id: newDeliveryId(),
        subscription_id: s.id,
        notice_id: noticeId,
        event,
        event_key: event === 'notice.created' ? event : `${event}:${notice.revision}`,
      }));
    if (rows.length === 0) return 0;
    const inserted = await trx
      .insertInto('deliveries')
      .values(rows)
      .onConflict((oc) => oc.columns(['subscription_id', 'notice_id', 'event_key']).doNothing())
      .returning('id')
      .execute();
    return inserted.length;
  }
}
