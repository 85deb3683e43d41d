/**
 * What the CLI prints: run summaries and the source table.
 * @module
 */
import type { Kysely } from 'kysely';
import { SOURCES } from '../../scrapers/index.js';
import type { Database } from '../db/schema.js';
import { listIssuersWithCounts, listUnknownIssuers } from '../notices/notice.repository.js';
import { latestRuns } from '../scrape/scrape-run.repository.js';
import type { RunSummary } from '../scrape/scrape-runner.js';

export function printRunSummary(s: RunSummary, out: (line: string) => void = console.log): void {
  const c = s.counts;
  const seconds = (s.durationMs / 1000).toFixed(1);
  out(
    `${s.sourceId.padEnd(8)} ${s.status.padEnd(11)} seen ${c.seen}  new ${c.new}  updated ${c.updated}  unchanged ${c.unchanged}  failed ${c.failed}  (${seconds} s)${s.message ? `  — ${s.message}` : ''}`,
  );
  for (const p of s.problems) out(`  ${p.kind === 'error' ? '✗' : '!'} ${p.stage} ${p.url}: ${p.reason}`);
}

export async function printSources(db: Kysely<Database>, json: boolean, out: (line: string) => void = console.log): Promise<void> {
  const runs = await latestRuns(db);
  if (json) {
    out(JSON.stringify(SOURCES.map((s) => ({ id: s.id, name_zh: s.nameZh, last_run: runs.get(s.id) ?? null })), null, 2));
    return;
  }
  for (const s of SOURCES) {
    const run = runs.get(s.id);
    const last = run
      ? `${run.status.padEnd(11)} ${run.started_at.toISOString()}  new ${run.new}  updated ${run.updated}  failed ${run.failed}${run.message ? `  — ${run.message}` : ''}`
      : 'never run';
    out(`${s.id.padEnd(8)} ${s.nameZh}  ${s.baseUrl}\n         last run: ${last}`);
  }
}

export async function printIssuers(
  db: Kysely<Database>,
  opts: { unknown?: boolean; json?: boolean },
  out: (line: string) => void = console.log,
): Promise<void> {
  if (opts.unknown) {
    const unknown = await listUnknownIssuers(db);
    if (opts.json) return out(JSON.stringify(unknown, null, 2));
    if (unknown.length === 0) return out('every issuer on stored notices is in the registry');
    for (const u of unknown) out(`${u.name}\t${u.notices} notice(s)\te.g. ${u.example}`);
    return;
  }
  const rows = (await listIssuersWithCounts(db)).filter((r) => r.notices > 0);
  if (opts.json) return out(JSON.stringify(rows, null, 2));
  for (const r of rows.sort((a, b) => b.notices - a.notices)) out(`${r.name_zh}\t${r.name_ko ?? ''}\t${r.name_en ?? ''}\t${r.notices}`);
}
