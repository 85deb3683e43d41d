/**
 * Weekly digest e-mails: every active digest subscription gets the HTML digest of the week that
 * just ended (Korea time), filtered by its subscription, with a one-click unsubscribe link.
 * @module
 */
import type { Kysely } from 'kysely';
import type { Mailer } from '../alerts/mailer.js';
import type { Database } from '../db/schema.js';
import type { IssuerDirectory } from '../issuers/issuer.directory.js';
import { buildDigest, isoWeekOf } from './digest.js';
import { renderHtml, renderMarkdown } from './render-text.js';

export interface DigestMailOptions {
  db: Kysely<Database>;
  mailer: Mailer;
  directory: IssuerDirectory;
  publicUrl: string | null;
  sectorOrder: string[];
  /** The week to send; the one before `now` (Korea time) by default. */
  week?: string;
  now?: Date;
}

/** @returns one line per subscription: sent, or why not. */
export async function sendDigestEmails(options: DigestMailOptions): Promise<string[]> {
  const week = options.week ?? isoWeekOf(new Date((options.now ?? new Date()).getTime() - 7 * 86_400_000));
  const subscriptions = await options.db
    .selectFrom('subscriptions')
    .selectAll()
    .where('kind', '=', 'digest')
    .where('status', '=', 'active')
    .execute();
  const out: string[] = [];
  for (const s of subscriptions) {
    if (s.channel.type !== 'email') continue;
    const digest = await buildDigest(options.db, {
      week,
      sectors: s.filter.sectors ?? [],
      issuerIds: (s.filter.issuers ?? []).map((n) => options.directory.resolve(n)?.id).filter((id): id is number => id !== undefined),
      koreaRelevantOnly: s.filter.korea_relevant ?? false,
      sectorOrder: options.sectorOrder,
    });
    const unsubscribe = options.publicUrl ? `${options.publicUrl}/unsubscribe/${s.unsubscribe_token}` : null;
    try {
      await options.mailer.sendDigest(s.channel.to, digest.title, renderHtml(digest), renderMarkdown(digest), unsubscribe);
      out.push(`${s.id}: sent ${week} (${digest.total} notice(s)) to ${s.channel.to}`);
    } catch (error) {
      out.push(`${s.id}: not sent: ${(error as Error).message}`);
    }
  }
  return out;
}
