/**
 * Enrichment outside ingest: `cpt enrich` on demand, and the queue of language-model summaries that
 * ingest leaves behind. A provider that fails (after its own bounded retries) falls back to the
 * offline summary, and the notice records why. A reviewed summary is never overwritten.
 * @module
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { type Enricher, loadNoticeForEnrichment, refreshSearchVector, storeMachineSummary, summaryInputHash } from './enricher.js';
import { type Summarizer, SummarizerError } from './summarizer.js';

export interface EnrichmentDeps {
  db: Kysely<Database>;
  enricher: Enricher;
}

export type EnrichOutcome = 'summarised' | 'fallback' | 'cached' | 'reviewed' | 'missing';

export interface EnrichResult {
  noticeId: string;
  outcome: EnrichOutcome;
  provider: string | null;
  note: string | null;
}

/**
 * Summarises one notice with `provider` (the offline one when it is the enricher's own).
 * @param force summarise again even when the same input was summarised by the same provider
 */
export async function enrichNotice(
  deps: EnrichmentDeps,
  noticeId: string,
  provider: Summarizer,
  force = false,
  signal?: AbortSignal,
): Promise<EnrichResult> {
  const offline = deps.enricher.options.offline;
  if (provider.name === offline.name) {
    const before = await loadNoticeForEnrichment(deps.db, noticeId);
    if (!before) return { noticeId, outcome: 'missing', provider: null, note: null };
    await deps.db.transaction().execute((trx) => deps.enricher.enrich(trx, noticeId, force));
    return { noticeId, outcome: before.summaryStatus === 'reviewed' ? 'reviewed' : 'summarised', provider: offline.name, note: null };
  }

  const notice = await loadNoticeForEnrichment(deps.db, noticeId);
  if (!notice) return { noticeId, outcome: 'missing', provider: null, note: null };
  if (notice.summaryStatus === 'reviewed') return { noticeId, outcome: 'reviewed', provider: null, note: null };
  const hash = await summaryInputHash(notice.input, provider.promptVersion);
  if (!force && notice.summarySourceHash === hash) return { noticeId, outcome: 'cached', provider: provider.name, note: null };

  try {
    // the model call happens outside any transaction: it can take seconds
    const output = await provider.summarize(notice.input, signal);
    await deps.db.transaction().execute(async (trx) => {
      const written = await storeMachineSummary(trx, noticeId, {
        ...output,
        provider: provider.name,
        model: provider.model,
        promptVersion: provider.promptVersion,
        sourceHash: hash,
        note: null,
      });
      if (!written) return;
      for (const code of output.sectors ?? []) {
        await trx
          .insertInto('notice_sectors')
          .values({ notice_id: noticeId, code, score: 0.7, method: 'llm' })
          .onConflict((oc) => oc.columns(['notice_id', 'code']).doNothing())
          .execute();
      }
      await refreshSearchVector(trx, noticeId);
    });
    return { noticeId, outcome: 'summarised', provider: provider.name, note: null };
  } catch (error) {
    if (!(error instanceof SummarizerError)) throw error;
    const note = `${provider.name} (${provider.model ?? 'default model'}) failed: ${error.message}; the offline summary is used`;
    const offlineHash = await summaryInputHash(notice.input, offline.promptVersion);
    await deps.db.transaction().execute(async (trx) => {
      await storeMachineSummary(trx, noticeId, {
        ...offline.summarizeSync(notice.input),
        provider: offline.name,
        model: offline.model,
        promptVersion: offline.promptVersion,
        sourceHash: offlineHash,
        note,
      });
      await refreshSearchVector(trx, noticeId);
    });
    return { noticeId, outcome: 'fallback', provider: offline.name, note };
  }
}

/**
 * Works through queued model summaries (oldest first), at most `limit` of them.
 * @returns the results, in order
 */
export async function processEnrichmentJobs(
  deps: EnrichmentDeps,
  provider: Summarizer,
  limit = 50,
  signal?: AbortSignal,
): Promise<EnrichResult[]> {
  const results: EnrichResult[] = [];
  for (let i = 0; i < limit; i++) {
    if (signal?.aborted) break;
    // claim one job; `for update skip locked` lets several workers share the queue on PostgreSQL
    const job = await deps.db.transaction().execute(async (trx) => {
      const next = await trx
        .selectFrom('enrichment_jobs')
        .select(['id', 'notice_id', 'attempts'])
        .where('status', '=', 'pending')
        .where('provider', '=', provider.name)
        .orderBy('id')
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!next) return undefined;
      await trx
        .updateTable('enrichment_jobs')
        .set({ status: 'running', attempts: next.attempts + 1, updated_at: new Date() })
        .where('id', '=', next.id)
        .execute();
      return next;
    });
    if (!job) break;
    try {
      const result = await enrichNotice(deps, job.notice_id, provider, false, signal);
      results.push(result);
      await deps.db
        .updateTable('enrichment_jobs')
        .set({ status: result.outcome === 'fallback' ? 'failed' : 'done', last_error: result.note, updated_at: new Date() })
        .where('id', '=', job.id)
        .execute();
    } catch (error) {
      // an unexpected error (database) leaves the job for a later attempt
      await deps.db
        .updateTable('enrichment_jobs')
        .set({ status: 'pending', last_error: (error as Error).message, updated_at: new Date() })
        .where('id', '=', job.id)
        .execute()
        .catch(() => {});
      throw error;
    }
  }
  return results;
}
