/**
 * One detail page through the pipeline: parse → normalise → store. Shared by scrapes, `cpt reparse`
 * and imports, so a page read from the network or from stored bytes is treated the same way.
 * @module
 */
import type { Kysely } from 'kysely';
import type { ListItem, Source } from '../../scrapers/source.js';
import type { Database, RunProblem } from '../db/schema.js';
import type { IssuerDirectory } from '../issuers/issuer.directory.js';
import { type IngestEnricher, type IngestOutbox, type IngestOutcome, ingestNotice } from '../notices/notice.ingest.js';
import { NoticeValidationError, normalizeNotice } from '../notices/notice.normalize.js';
import type { RunOwner } from './scrape-run.repository.js';

export interface PipelineDeps {
  db: Kysely<Database>;
  directory: IssuerDirectory;
  /** Sectors and Korean title/summary, inside each notice's transaction. */
  enricher: IngestEnricher;
  /** Alert deliveries recorded in each notice's transaction. */
  outbox?: IngestOutbox | null;
  /** Identifies this process in `scrape_runs` (so a dead process's run can be closed). */
  owner?: RunOwner;
}

export type PageOutcome =
  | { ok: true; outcome: IngestOutcome; noticeId: string; warnings: RunProblem[] }
  | { ok: false; problem: RunProblem };

export async function processDetailPage(
  deps: PipelineDeps,
  source: Source,
  url: string,
  html: string,
  item?: ListItem,
): Promise<PageOutcome> {
  const parsed = source.parseDetail(html, url, item);
  if (!parsed.ok) {
    return { ok: false, problem: { url, stage: 'parse', kind: 'error', reason: `${parsed.problem.code}: ${parsed.problem.message}` } };
  }
  let normalized;
  try {
    normalized = await normalizeNotice(parsed.notice, { sourceId: source.id, directory: deps.directory });
  } catch (error) {
    if (error instanceof NoticeValidationError) {
      return { ok: false, problem: { url, stage: 'parse', kind: 'error', reason: `invalid notice: ${error.message}` } };
    }
    throw error;
  }
  const warnings: RunProblem[] = [...parsed.warnings, ...normalized.warnings].map((reason) => ({
    url,
    stage: 'parse',
    kind: 'warning',
    reason,
  }));
  try {
    const result = await ingestNotice(deps.db, normalized.notice, { enricher: deps.enricher, outbox: deps.outbox ?? null });
    return { ok: true, outcome: result.outcome, noticeId: result.noticeId, warnings };
  } catch (error) {
    return { ok: false, problem: { url, stage: 'store', kind: 'error', reason: `could not store: ${(error as Error).message}` } };
  }
}
