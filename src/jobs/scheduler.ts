/**
 * Scheduled jobs (node-cron): each source on its own schedule, the alert dispatcher, enrichment of
 * pending notices, weekly digest e-mails and pruning. A job never overlaps itself in a process
 * (`noOverlap`), and with several app instances on one PostgreSQL only one runs it at a time: a
 * lease row in `job_leases` (not a session advisory lock, so it also holds where connections are
 * pooled per transaction). Each run is contained: a failure is recorded and logged, the rest go on.
 * @module
 */
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import cron, { type ScheduledTask } from 'node-cron';
import type { Database } from '../db/schema.js';

export interface JobDefinition {
  name: string;
  cron: string;
  timezone: string;
  /**
   * Term of the job's lease, renewed while the run goes on: a holder that dies without releasing
   * blocks the job for at most this long (on its own host, not at all once its process is gone).
   */
  leaseMs: number;
  run(signal: AbortSignal): Promise<string | void>;
}

export interface JobInfo {
  name: string;
  cron: string;
  timezone: string;
  nextRun: Date | null;
  lastStartedAt: Date | null;
  lastFinishedAt: Date | null;
  lastStatus: string | null;
  lastMessage: string | null;
  heldBy: string | null;
}

export interface SchedulerLogger {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** A lease holder: `<host>:<pid>:<random>`. */
export function newHolder(): string {
  return `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
}

/** Whether a holder is a process of this host that no longer exists (it was killed or crashed). */
function isDeadLocalHolder(holder: string): boolean {
  const [host, pid] = holder.split(':');
  if (host !== hostname() || !pid || !/^\d+$/.test(pid)) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Takes the job's lease unless another live holder has an unexpired one.
 * @returns whether this holder may run the job now
 */
export async function acquireLease(db: Kysely<Database>, job: string, holder: string, leaseMs: number): Promise<boolean> {
  const now = new Date();
  const expires = new Date(now.getTime() + leaseMs);
  const take = (stale: string | null) =>
    db
      .insertInto('job_leases')
      .values({ job, holder, expires_at: expires, last_started_at: now })
      .onConflict((oc) =>
        oc
          .column('job')
          .doUpdateSet({ holder, expires_at: expires, last_started_at: now })
          .where((eb) =>
            eb.or([
              eb('job_leases.holder', 'is', null),
              eb('job_leases.expires_at', '<', now),
              eb('job_leases.holder', '=', holder),
              ...(stale ? [eb('job_leases.holder', '=', stale)] : []),
            ]),
          ),
      )
      .returning('job')
      .executeTakeFirst();
  if (await take(null)) return true;
  const current = await db.selectFrom('job_leases').select('holder').where('job', '=', job).executeTakeFirst();
  return current?.holder ? isDeadLocalHolder(current.holder) && (await take(current.holder)) !== undefined : false;
}

/** Extends a held lease by another term. */
export async function renewLease(db: Kysely<Database>, job: string, holder: string, leaseMs: number): Promise<void> {
  await db
    .updateTable('job_leases')
    .set({ expires_at: new Date(Date.now() + leaseMs) })
    .where('job', '=', job)
    .where('holder', '=', holder)
    .execute();
}

export async function releaseLease(db: Kysely<Database>, job: string, holder: string, status: string, message: string | null): Promise<void> {
  await db
    .updateTable('job_leases')
    .set({ holder: null, expires_at: null, last_finished_at: new Date(), last_status: status, last_message: message })
    .where('job', '=', job)
    .where('holder', '=', holder)
    .execute();
}

export class Scheduler {
  /** Who holds a lease: host and process, plus a random part so two schedulers never share it. */
  readonly holder = newHolder();
  readonly #tasks = new Map<string, ScheduledTask>();
  readonly #running = new Set<Promise<unknown>>();
  readonly #controller = new AbortController();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly jobs: JobDefinition[],
    private readonly log: SchedulerLogger,
  ) {}

  /** Runs one job now (under its lease), as a scheduled tick would. */
  async runJob(job: JobDefinition): Promise<'ran' | 'held-elsewhere' | 'failed'> {
    if (this.#controller.signal.aborted) return 'held-elsewhere';
    if (!(await acquireLease(this.db, job.name, this.holder, job.leaseMs))) return 'held-elsewhere';
    const started = Date.now();
    const renewal = setInterval(() => {
      renewLease(this.db, job.name, this.holder, job.leaseMs).catch((error: unknown) => this.log.error({ job: job.name, err: error }, 'lease renewal failed'));
    }, Math.max(1_000, job.leaseMs / 3));
    renewal.unref();
    try {
      const message = await job.run(this.#controller.signal);
      await releaseLease(this.db, job.name, this.holder, 'ok', message ?? null);
      if (message) this.log.info({ job: job.name, ms: Date.now() - started, message }, 'job finished');
      return 'ran';
    } catch (error) {
      const message = (error as Error).message;
      this.log.error({ job: job.name, err: error }, 'job failed');
      await releaseLease(this.db, job.name, this.holder, 'failed', message).catch(() => {});
      return 'failed';
    } finally {
      clearInterval(renewal);
    }
  }

  start(): void {
    for (const job of this.jobs) {
      const task = cron.createTask(
        job.cron,
        async () => {
          const run = this.runJob(job);
          this.#running.add(run);
          try {
            await run;
          } finally {
            this.#running.delete(run);
          }
        },
        { name: job.name, timezone: job.timezone, noOverlap: true },
      );
      task.start();
      this.#tasks.set(job.name, task);
    }
  }

  /** Stops taking jobs, asks running ones to stop, and waits for them. */
  async stop(): Promise<void> {
    this.#controller.abort(new Error('shutting down'));
    for (const task of this.#tasks.values()) await task.stop();
    await Promise.allSettled([...this.#running]);
    for (const task of this.#tasks.values()) await task.destroy();
    this.#tasks.clear();
  }

  list(): Promise<JobInfo[]> {
    return listJobs(this.db, this.jobs);
  }
}

/** Jobs with their next run (computed from the cron expression) and what `job_leases` recorded. */
export async function listJobs(db: Kysely<Database>, jobs: JobDefinition[]): Promise<JobInfo[]> {
  const leases = await db.selectFrom('job_leases').selectAll().execute();
  return jobs.map((job) => {
    const task = cron.createTask(job.cron, () => {}, { timezone: job.timezone });
    // getNextRun() answers only for a started task; getNextRuns computes from the expression
    const nextRun = task.getNextRuns(1)[0] ?? null;
    void task.destroy();
    const lease = leases.find((l) => l.job === job.name);
    const held = lease?.holder && lease.expires_at && new Date(lease.expires_at).getTime() > Date.now() ? lease.holder : null;
    return {
      name: job.name,
      cron: job.cron,
      timezone: job.timezone,
      nextRun,
      lastStartedAt: lease?.last_started_at ?? null,
      lastFinishedAt: lease?.last_finished_at ?? null,
      lastStatus: lease?.last_status ?? null,
      lastMessage: lease?.last_message ?? null,
      heldBy: held,
    };
  });
}

/** Deletes old run logs (keeping each source's latest) and old finished deliveries. */
export async function pruneOldRecords(db: Kysely<Database>, keepDays: number): Promise<string> {
  const before = new Date(Date.now() - keepDays * 86_400_000);
  const runs = await db
    .deleteFrom('scrape_runs')
    .where('started_at', '<', before)
    .where('status', '!=', 'running')
    .where('id', 'not in', (eb) => eb.selectFrom('scrape_runs').select((e) => e.fn.max('id').as('id')).groupBy('source_id'))
    .executeTakeFirst();
  const deliveries = await db
    .deleteFrom('deliveries')
    .where('status', 'in', ['delivered', 'dead'])
    .where('created_at', '<', before)
    .executeTakeFirst();
  return `pruned ${Number(runs.numDeletedRows)} run(s) and ${Number(deliveries.numDeletedRows)} delivery record(s) older than ${keepDays} days`;
}
