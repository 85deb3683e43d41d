/**
 * An analyst's review of a notice's Korean title and summary, as one transaction: the summary
 * becomes `reviewed` (machine runs leave it alone) and the search index takes the new Korean text.
 * Shared by `PUT /api/notices/{id}/summary` and the notice page's edit form.
 * @module
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { refreshSearchVector } from '../enrichment/enricher.js';
import { reviewSummary, type SummaryEdit } from './notice.repository.js';

/** Longest Korean title and summary an analyst may store (the API's limits). */
export const REVIEW_LIMITS = { titleKo: 300, summaryKo: 8000 } as const;

/** @returns false when no notice has this id. */
export async function reviewNotice(db: Kysely<Database>, id: string, edit: SummaryEdit): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const ok = await reviewSummary(trx, id, edit);
    if (ok) await refreshSearchVector(trx, id);
    return ok;
  });
}
