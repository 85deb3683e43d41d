/**
 * `cpt reparse`: runs the current parsers over the stored bytes of every page a source served,
 * without fetching. Unchanged results change nothing; better parses update the notices.
 * @module
 */
import type { Source } from '../../scrapers/source.js';
import { decodeBody } from '../http/charset.js';
import { type PipelineDeps, processDetailPage } from './process-page.js';
import { iterateRawPages } from './raw-page.repository.js';
import { finishRun, type RunCounts, startRun, updateRun } from './scrape-run.repository.js';
import type { RunSummary } from './scrape-runner.js';
import type { RunProblem } from '../db/schema.js';

export async function runReparse(
  deps: PipelineDeps,
  source: Source,
  onProgress?: (done: number, url: string) => void,
): Promise<RunSummary> {
  const started = Date.now();
  const counts: RunCounts = { seen: 0, new: 0, updated: 0, unchanged: 0, failed: 0 };
  const problems: RunProblem[] = [];
  const start = await startRun(deps.db, source.id, 'reparse', 'reparse', deps.owner);
  if (!start.started) {
    return { sourceId: source.id, runId: null, status: 'skipped', message: `a run is in progress (run #${start.running.id})`, counts, problems, durationMs: 0 };
  }
  for await (const page of iterateRawPages(deps.db, source.id)) {
    counts.seen++;
    const { text } = decodeBody(page.bytes, page.contentType, true);
    const result = await processDetailPage(deps, source, page.url, text);
    if (!result.ok) {
      problems.push(result.problem);
      counts.failed++;
    } else {
      problems.push(...result.warnings);
      if (result.outcome === 'new') counts.new++;
      else if (result.outcome === 'unchanged') counts.unchanged++;
      else counts.updated++;
    }
    onProgress?.(counts.seen, page.url);
    if (counts.seen % 50 === 0) await updateRun(deps.db, start.runId, counts, problems, null);
  }
  const status = counts.failed === 0 ? 'ok' : counts.failed === counts.seen ? 'failed' : 'partial';
  const message = counts.seen === 0 ? 'no stored pages to reparse' : null;
  await finishRun(deps.db, start.runId, status, message, counts, problems, null);
  return { sourceId: source.id, runId: start.runId, status, message, counts, problems, durationMs: Date.now() - started };
}
