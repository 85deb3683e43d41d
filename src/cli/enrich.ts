/**
 * `cpt enrich`: one notice (`--id`), every notice (`--all`), or the pending work — notices never
 * summarised and queued model summaries.
 * @module
 */
import { type EnrichmentDeps, enrichNotice, type EnrichResult, processEnrichmentJobs } from '../enrichment/enrichment-runner.js';
import type { Summarizer } from '../enrichment/summarizer.js';

export interface EnrichCommandOptions {
  all?: boolean;
  id?: string;
}

function describe(results: EnrichResult[], provider: Summarizer, ms: number): string {
  const count = (o: EnrichResult['outcome']) => results.filter((r) => r.outcome === o).length;
  const lines = [
    `enriched ${results.length} notice(s) with ${provider.name}${provider.model ? ` (${provider.model})` : ''} in ${(ms / 1000).toFixed(1)} s: ` +
      `summarised ${count('summarised')}, fell back to offline ${count('fallback')}, unchanged ${count('cached')}, reviewed (kept) ${count('reviewed')}`,
  ];
  for (const r of results.filter((r) => r.note)) lines.push(`  ! ${r.noticeId}: ${r.note}`);
  const missing = results.filter((r) => r.outcome === 'missing');
  for (const r of missing) lines.push(`  ✗ ${r.noticeId}: no such notice`);
  return lines.join('\n');
}

export async function runEnrichCommand(deps: EnrichmentDeps, provider: Summarizer, opts: EnrichCommandOptions): Promise<string> {
  const started = Date.now();
  const results: EnrichResult[] = [];
  if (opts.id) {
    results.push(await enrichNotice(deps, opts.id, provider, true));
    if (results[0]!.outcome === 'missing') throw new Error(`no notice with id "${opts.id}"`);
  } else {
    const rows = await deps.db
      .selectFrom('notices')
      .select('id')
      .$if(!opts.all, (q) => q.where('summary_status', '=', 'pending'))
      .orderBy('id')
      .execute();
    for (const row of rows) results.push(await enrichNotice(deps, row.id, provider, opts.all ?? false));
    if (!opts.all && provider.name !== deps.enricher.options.offline.name) {
      results.push(...(await processEnrichmentJobs(deps, provider, Number.MAX_SAFE_INTEGER)));
    }
  }
  return describe(results, provider, Date.now() - started);
}
