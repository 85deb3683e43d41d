/**
 * `scrape_runs`: one row per run of one source, updated as the run goes (so the API shows
 * progress), finished with a status, counts and every problem with its URL and reason.
 * @module
 */
import { type Kysely, sql } from 'kysely';
import type { Database, RunProblem, RunStatus, ScrapeRunRow } from '../db/schema.js';

/** A run whose heartbeat is older than this belonged to a process that died. */
export const STALE_RUN_MS = 3 * 60_000;

export interface RunCounts {
  seen: number;
  new: number;
  updated: number;
  unchanged: number;
  failed: number;
}

export type StartRunResult = { started: true; runId: number } | { started: false; running: ScrapeRunRow };

/**
 * Starts a run unless one for the same source is alive. Runs left `running` by a dead process
 * are closed as `failed` ("interrupted") first.
 */
export async function startRun(
  db: Kysely<Database>,
  sourceId: string,
  trigger: string,
  mode: 'incremental' | 'full' | 'reparse',
): Promise<StartRunResult> {
  return db.transaction().execute(async (trx) => {
    // Serialise starts per source: two processes starting at once must not both see "none running".
    await sql`select pg_advisory_xact_lock(hashtext(${`cpt:scrape:${sourceId}`}))`.execute(trx);
    const staleBefore = new Date(Date.now() - STALE_RUN_MS);
    await trx
      .updateTable('scrape_runs')
      .set({ status: 'failed', message: 'interrupted: the process running it stopped', finished_at: new Date() })
      .where('source_id', '=', sourceId)
      .where('status', '=', 'running')
      .where('heartbeat_at', '<', staleBefore)
      .execute();
    const running = await trx
      .selectFrom('scrape_runs')
      .selectAll()
      .where('source_id', '=', sourceId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    if (running) return { started: false, running };
    const row = await trx
      .insertInto('scrape_runs')
      .values({ source_id: sourceId, trigger, mode, status: 'running', errors: '[]' })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { started: true, runId: row.id };
  });
}

/** Progress: counts so far and a fresh heartbeat. */
export async function updateRun(
  db: Kysely<Database>,
  runId: number,
  counts: RunCounts,
  problems: RunProblem[],
  lastHttpStatus: number | null,
): Promise<void> {
  await db
    .updateTable('scrape_runs')
    .set({ ...counts, errors: JSON.stringify(problems), last_http_status: lastHttpStatus, heartbeat_at: new Date() })
    .where('id', '=', runId)
    .execute();
}

export async function finishRun(
  db: Kysely<Database>,
  runId: number,
  status: Exclude<RunStatus, 'running'>,
  message: string | null,
  counts: RunCounts,
  problems: RunProblem[],
  lastHttpStatus: number | null,
): Promise<void> {
  const now = new Date();
  await db
    .updateTable('scrape_runs')
    .set({ ...counts, status, message, errors: JSON.stringify(problems), last_http_status: lastHttpStatus, heartbeat_at: now, finished_at: now })
    .where('id', '=', runId)
    .execute();
}

/** The latest run of each source. */
export async function latestRuns(db: Kysely<Database>): Promise<Map<string, ScrapeRunRow>> {
  const rows = await db
    .selectFrom('scrape_runs as r')
    .selectAll('r')
    .where('r.id', 'in', (eb) => eb.selectFrom('scrape_runs').select((e) => e.fn.max('id').as('id')).groupBy('source_id'))
    .execute();
  return new Map(rows.map((r) => [r.source_id, r]));
}
