/**
 * `scrape_runs`: one row per run of one source, updated as the run goes (so the API shows
 * progress), finished with a status, counts and every problem with its URL and reason.
 * @module
 */
import { type Kysely, sql } from 'kysely';
import type { Database, RunProblem, RunStatus, ScrapeRunRow } from '../db/schema.js';

/** A run whose heartbeat is older than this belonged to a process that died. */
export const STALE_RUN_MS = 3 * 60_000;

/** Where this process runs; null where there is no such notion (Workers). */
export interface RunOwner {
  host: string | null;
  pid: number | null;
  /** Whether a process on this host is alive; undefined when it cannot tell. */
  isAlive?: (pid: number) => boolean;
}

export const NO_OWNER: RunOwner = { host: null, pid: null };

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
  owner: RunOwner = NO_OWNER,
): Promise<StartRunResult> {
  return db.transaction().execute(async (trx) => {
    // Serialise starts per source: two processes starting at once must not both see "none running".
    await sql`select pg_advisory_xact_lock(hashtext(${`cpt:scrape:${sourceId}`}))`.execute(trx);
    const staleBefore = Date.now() - STALE_RUN_MS;
    const runningRows = await trx
      .selectFrom('scrape_runs')
      .selectAll()
      .where('source_id', '=', sourceId)
      .where('status', '=', 'running')
      .execute();
    let running: ScrapeRunRow | undefined;
    for (const run of runningRows) {
      const deadProcess =
        run.host !== null && run.host === owner.host && run.pid !== null && owner.isAlive?.(run.pid) === false;
      if (deadProcess || run.heartbeat_at.getTime() < staleBefore) {
        await trx
          .updateTable('scrape_runs')
          .set({ status: 'failed', message: 'interrupted: the process running it stopped', finished_at: new Date() })
          .where('id', '=', run.id)
          .execute();
      } else {
        running ??= run;
      }
    }
    if (running) return { started: false, running };
    const row = await trx
      .insertInto('scrape_runs')
      .values({ source_id: sourceId, trigger, mode, status: 'running', errors: '[]', host: owner.host, pid: owner.pid })
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

/** Records a run that did not start because the source cannot run here (needs a browser). */
export async function recordSkippedRun(
  db: Kysely<Database>,
  sourceId: string,
  trigger: string,
  mode: 'incremental' | 'full' | 'reparse',
  message: string,
): Promise<number> {
  const now = new Date();
  const row = await db
    .insertInto('scrape_runs')
    .values({ source_id: sourceId, trigger, mode, status: 'skipped', message, errors: '[]', started_at: now, heartbeat_at: now, finished_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
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
