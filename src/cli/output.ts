/**
 * What the CLI prints: run summaries and the source table.
 * @module
 */
import type { Kysely } from 'kysely';
import { SOURCES } from '../../scrapers/index.js';
import type { Database } from '../db/schema.js';
import type { ImportSummary } from '../archive/import.js';
import { listIssuersWithCounts, listUnknownIssuers } from '../notices/notice.repository.js';
import { latestRuns } from '../scrape/scrape-run.repository.js';
import { noticeStats, sourceHealth } from '../api/sources.routes.js';
import type { RunSummary } from '../scrape/scrape-runner.js';

export function printRunSummary(s: RunSummary, out: (line: string) => void = console.log): void {
  const c = s.counts;
  const seconds = (s.durationMs / 1000).toFixed(1);
  out(
    `${s.sourceId.padEnd(8)} ${s.status.padEnd(11)} seen ${c.seen}  new ${c.new}  updated ${c.updated}  unchanged ${c.unchanged}  failed ${c.failed}  (${seconds} s)${s.message ? `  — ${s.message}` : ''}`,
  );
  for (const p of s.problems) out(`  ${p.kind === 'error' ? '✗' : '!'} ${p.stage} ${p.url}: ${p.reason}`);
}

export async function printSources(
  db: Kysely<Database>,
  json: boolean,
  staleDays: Map<string, number> = new Map(),
  out: (line: string) => void = console.log,
): Promise<void> {
  const [runs, stats] = await Promise.all([latestRuns(db), noticeStats(db)]);
  const now = Date.now();
  const rows = SOURCES.map((s) => {
    const stat = stats.get(s.id);
    const lastNotice = stat?.last_notice_at ? new Date(stat.last_notice_at) : null;
    const run = runs.get(s.id) ?? null;
    return { source: s, run, notices: stat ? Number(stat.notices) : 0, health: sourceHealth(s, lastNotice, run, staleDays, now) };
  });
  if (json) {
    out(
      JSON.stringify(
        rows.map((r) => ({ id: r.source.id, name_zh: r.source.nameZh, notices: r.notices, ...r.health, needs_browser: r.source.needsBrowser ?? false, last_run: r.run })),
        null,
        2,
      ),
    );
    return;
  }
  for (const { source: s, run, notices, health } of rows) {
    const last = run
      ? `${run.status.padEnd(11)} ${run.started_at.toISOString()}  new ${run.new}  updated ${run.updated}  failed ${run.failed}${run.message ? `  — ${run.message}` : ''}`
      : 'never run';
    const flags = [
      health.stale ? `STALE: no new notice for ${health.days_since_last_notice ?? '?'} days (expected within ${health.stale_after_days})` : null,
      s.needsBrowser ? 'needs a browser (CPT_BROWSER=1)' : null,
    ].filter(Boolean);
    out(`${s.id.padEnd(8)} ${s.nameZh}  ${s.baseUrl}  ${notices} notice(s)${flags.length ? `  [${flags.join('; ')}]` : ''}\n         last run: ${last}`);
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

export function printImportSummary(summary: ImportSummary, out: (line: string) => void = console.log): void {
  const c = summary.counts;
  out(
    `imported ${summary.files} file(s): new ${c.new}  merged ${c.merged}  updated ${c.updated + c.revised}  unchanged ${c.unchanged}  failed ${c.failed}  skipped ${c.skipped}`,
  );
  for (const p of summary.problems) out(`  ${p.kind === 'error' ? '✗' : '!'} ${p.url}: ${p.reason}`);
}

/** The README's source table, generated from the registry (`cpt sources --markdown`). */
export function sourcesMarkdown(): string {
  const rows = SOURCES.map((s) => {
    const columns = s.columns.map((c) => `\`${c.id}\` ${c.nameZh}`).join(', ');
    const notes = s.needsBrowser ? 'JavaScript challenge: read through chromium with `CPT_BROWSER=1`, skipped otherwise' : '';
    return `| \`${s.id}\` | ${s.nameZh} · ${s.nameKo} | ${s.baseUrl} | ${columns} | \`${s.schedule}\` | ${s.cadenceDays} | ${notes} |`;
  });
  return ['| id | source | site | columns | schedule (Asia/Shanghai) | stale after (days) | notes |', '|---|---|---|---|---|---:|---|', ...rows].join('\n');
}
