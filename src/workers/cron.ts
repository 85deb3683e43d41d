/**
 * The scheduled jobs on Workers (Cron Triggers instead of node-cron). The frequent trigger runs each
 * source whose own schedule (Asia/Shanghai, `CPT_SCHEDULES`) fell due since its last run — and any
 * source whose last run used up the page budget, first — sharing one page budget per invocation;
 * then a bounded batch of alert deliveries and of queued model summaries. The weekly trigger runs
 * the digest and pruning jobs of `jobs/jobs.ts`. Every job holds its lease in `job_leases`, as on
 * Node (a row, not a session lock: Hyperdrive pools connections per transaction).
 * @module
 */
import cron from 'node-cron';
import type { Kysely } from 'kysely';
import type { Source } from '../../scrapers/source.js';
import type { Database } from '../db/schema.js';
import { buildJobs } from '../jobs/jobs.js';
import { acquireLease, releaseLease, renewLease } from '../jobs/scheduler.js';
import { latestRuns } from '../scrape/scrape-run.repository.js';
import { PAGE_BUDGET_REACHED, runScrape } from '../scrape/scrape-runner.js';
import type { WorkerRuntime } from './worker-runtime.js';

/** The weekly trigger of wrangler.toml: Monday 00:00 UTC = 09:00 KST, digests and pruning; any other is the frequent one. */
export const WEEKLY_CRON = '0 0 * * MON';

/** Lease term of a job; renewed while it runs. */
const LEASE_MS = 60_000;
/** How far back a source that never ran looks for a due time of its schedule. */
const FIRST_RUN_LOOKBACK_MS = 24 * 3_600_000;
/** Wall time the enrichment step (pending notices, queued model summaries) may take per invocation. */
const ENRICH_MS = 60_000;

const MINUTE = 60_000;

/**
 * Whether `expression` (in `timezone`) names a minute after `since` and not after `now`.
 * @param since the job's last start; null when it never ran (then the last day counts)
 */
export function fellDue(expression: string, timezone: string, since: Date | null, now: Date): boolean {
  const last = Math.floor(now.getTime() / MINUTE) * MINUTE;
  const first = since ? Math.floor(since.getTime() / MINUTE) * MINUTE + MINUTE : last - FIRST_RUN_LOOKBACK_MS;
  const task = cron.createTask(expression, () => {}, { timezone });
  try {
    for (let t = Math.max(first, last - FIRST_RUN_LOOKBACK_MS); t <= last; t += MINUTE) {
      if (task.match(new Date(t))) return true;
    }
    return false;
  } finally {
    void task.destroy();
  }
}

export interface DueSource {
  source: Source;
  reason: 'resume' | 'schedule';
}

/** The sources to scrape now: those left unfinished by the page budget first, then those due. */
export async function dueSources(
  db: Kysely<Database>,
  sources: readonly Source[],
  schedules: Map<string, string>,
  now: Date,
): Promise<DueSource[]> {
  const leases = new Map((await db.selectFrom('job_leases').select(['job', 'last_started_at']).execute()).map((l) => [l.job, l.last_started_at]));
  const runs = await latestRuns(db);
  const resume: DueSource[] = [];
  const due: DueSource[] = [];
  for (const source of sources) {
    const expression = schedules.get(source.id) ?? source.schedule;
    if (expression === 'off') continue;
    const last = runs.get(source.id);
    if (last?.status === 'partial' && last.message?.startsWith(PAGE_BUDGET_REACHED)) resume.push({ source, reason: 'resume' });
    else if (fellDue(expression, 'Asia/Shanghai', leases.get(`scrape:${source.id}`) ?? null, now)) due.push({ source, reason: 'schedule' });
  }
  return [...resume, ...due];
}

/** A unique lease holder for this invocation. */
function workerHolder(): string {
  return `workers:${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * Runs `work` under the job's lease (renewed while it runs).
 * @returns its message, or null when another holder has the job
 */
async function underLease(db: Kysely<Database>, job: string, holder: string, work: () => Promise<string>): Promise<string | null> {
  if (!(await acquireLease(db, job, holder, LEASE_MS))) return null;
  const renewal = setInterval(() => {
    renewLease(db, job, holder, LEASE_MS).catch(() => {});
  }, LEASE_MS / 3);
  try {
    const message = await work();
    await releaseLease(db, job, holder, 'ok', message);
    return message;
  } catch (error) {
    await releaseLease(db, job, holder, 'failed', (error as Error).message).catch(() => {});
    throw error;
  } finally {
    clearInterval(renewal);
  }
}

/** What one invocation did, one line per job (logged, and shown by `wrangler dev`). */
export type CronReport = string[];

/** The frequent trigger's work. */
export async function runFrequent(runtime: WorkerRuntime, now: Date): Promise<CronReport> {
  const report: CronReport = [];
  const holder = workerHolder();
  const { db, settings } = runtime;
  if (runtime.providerNote) report.push(runtime.providerNote);
  let budget = settings.pageBudget;
  let stored = 0;
  for (const { source, reason } of await dueSources(db, runtime.sources, runtime.config.scheduler.sources, now)) {
    if (budget <= 0) {
      report.push(`scrape:${source.id}: left for the next trigger (page budget of ${settings.pageBudget} used)`);
      continue;
    }
    const message = await underLease(db, `scrape:${source.id}`, holder, async () => {
      const summary = await runScrape(runtime.scrapeDeps(), source, { trigger: 'schedule', pageBudget: budget });
      budget -= summary.counts.seen;
      stored += summary.counts.new + summary.counts.updated;
      const counts = `new ${summary.counts.new}, updated ${summary.counts.updated}, failed ${summary.counts.failed}`;
      return `${summary.status}: ${counts}${summary.message ? ` (${summary.message})` : ''}`;
    }).catch((error: unknown) => `crashed: ${(error as Error).message}`);
    report.push(`scrape:${source.id} (${reason}): ${message ?? 'held by another invocation'}`);
  }
  const sent = await underLease(db, 'dispatch', holder, async () => {
    const results = await runtime.dispatcher.dispatchDue(settings.dispatchBatch);
    return `sent ${results.filter((r) => r.ok).length} of ${results.length}${stored ? ` after ${stored} new or updated notice(s)` : ''}`;
  });
  report.push(`dispatch: ${sent ?? 'held by another invocation'}`);
  const enrich = sharedJob(runtime, 'enrich');
  const enriched = await underLease(db, 'enrich', holder, async () => (await enrich.run(AbortSignal.timeout(ENRICH_MS))) ?? 'nothing to do');
  report.push(`enrich: ${enriched ?? 'held by another invocation'}`);
  return report;
}

/** The weekly trigger's work: digests for digest subscriptions, then pruning. */
export async function runWeekly(runtime: WorkerRuntime): Promise<CronReport> {
  const report: CronReport = [];
  const holder = workerHolder();
  for (const name of ['digest-email', 'prune']) {
    const job = sharedJob(runtime, name);
    const message = await underLease(runtime.db, name, holder, async () => (await job.run(AbortSignal.timeout(5 * 60_000))) ?? 'done');
    report.push(`${name}: ${message ?? 'held by another invocation'}`);
  }
  return report;
}

/** One of the jobs that Node schedules, wired with the Worker's parts (no mailer: no SMTP from Workers). */
function sharedJob(runtime: WorkerRuntime, name: string) {
  const jobs = buildJobs({
    db: runtime.db,
    config: runtime.config,
    sources: runtime.sources,
    scrapeDeps: () => runtime.scrapeDeps(),
    dispatcher: runtime.dispatcher,
    enricher: runtime.enricher,
    provider: runtime.provider,
    mailer: null,
    directory: () => runtime.directory(),
    publicUrl: () => runtime.config.publicUrl,
  });
  const job = jobs.find((j) => j.name === name);
  if (!job) throw new Error(`no shared job ${name}`);
  return job;
}

/** Runs the work of the trigger `expression` (a cron string from wrangler.toml). */
export async function runTrigger(runtime: WorkerRuntime, expression: string, now: Date): Promise<CronReport> {
  await runtime.ensureDirectory();
  if (expression === WEEKLY_CRON) return runWeekly(runtime);
  return runFrequent(runtime, now);
}
