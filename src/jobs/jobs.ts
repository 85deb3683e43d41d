/**
 * The jobs `npm start` schedules: each source on its own schedule (Asia/Shanghai working hours, set
 * in its module, overridable with `CPT_SCHEDULES`), the alert dispatcher, enrichment of pending
 * notices and queued model summaries, weekly digest e-mails (Monday 09:00 Korea time by default)
 * and pruning of old run logs.
 * @module
 */
import type { Kysely } from 'kysely';
import type { Source } from '../../scrapers/source.js';
import type { Dispatcher } from '../alerts/dispatcher.js';
import type { Mailer } from '../alerts/mailer.js';
import type { Config } from '../config.js';
import type { Database } from '../db/schema.js';
import { sendDigestEmails } from '../digest/digest-mail.js';
import { enrichNotice, processEnrichmentJobs } from '../enrichment/enrichment-runner.js';
import type { Enricher } from '../enrichment/enricher.js';
import type { Summarizer } from '../enrichment/summarizer.js';
import type { IssuerDirectory } from '../issuers/issuer.directory.js';
import { runScrape, type ScrapeDeps } from '../scrape/scrape-runner.js';
import { type JobDefinition, pruneOldRecords } from './scheduler.js';
import { createSummarizer } from '../enrichment/index.js';
import type { NodeRuntime } from '../runtime/node-runtime.js';
import { SOURCES } from '../../scrapers/index.js';

export interface JobDeps {
  db: Kysely<Database>;
  config: Config;
  sources: readonly Source[];
  scrapeDeps: () => ScrapeDeps;
  dispatcher: Dispatcher;
  enricher: Enricher;
  provider: Summarizer;
  mailer: Mailer | null;
  directory: () => IssuerDirectory;
  publicUrl: () => string | null;
}

/** Lease term of every job (renewed while it runs). */
const LEASE_MS = 60_000;

export function buildJobs(deps: JobDeps): JobDefinition[] {
  const scheduled = deps.sources.filter((source) => deps.config.scheduler.sources.get(source.id) !== 'off');
  const jobs: JobDefinition[] = scheduled.map((source) => ({
    name: `scrape:${source.id}`,
    cron: deps.config.scheduler.sources.get(source.id) ?? source.schedule,
    timezone: 'Asia/Shanghai',
    leaseMs: LEASE_MS,
    async run(signal) {
      const summary = await runScrape(deps.scrapeDeps(), source, { trigger: 'schedule', signal });
      // alerts follow the scrape at once rather than at the dispatcher's next tick
      if (summary.counts.new + summary.counts.updated > 0) await deps.dispatcher.dispatchDue(200);
      return `${summary.status}: new ${summary.counts.new}, updated ${summary.counts.updated}, failed ${summary.counts.failed}`;
    },
  }));
  jobs.push({
    name: 'dispatch',
    cron: deps.config.scheduler.dispatchCron,
    timezone: 'Asia/Seoul',
    leaseMs: LEASE_MS,
    async run() {
      const results = await deps.dispatcher.dispatchDue(100);
      return results.length ? `sent ${results.filter((r) => r.ok).length} of ${results.length}` : undefined;
    },
  });
  jobs.push({
    name: 'enrich',
    cron: '30 * * * * *',
    timezone: 'Asia/Seoul',
    leaseMs: LEASE_MS,
    async run(signal) {
      const pending = await deps.db.selectFrom('notices').select('id').where('summary_status', '=', 'pending').limit(500).execute();
      for (const { id } of pending) {
        if (signal.aborted) break;
        await enrichNotice({ db: deps.db, enricher: deps.enricher }, id, deps.enricher.options.offline);
      }
      const queued =
        deps.provider.name === deps.enricher.options.offline.name
          ? []
          : await processEnrichmentJobs({ db: deps.db, enricher: deps.enricher }, deps.provider, 20, signal);
      const done = pending.length + queued.length;
      return done ? `enriched ${pending.length} pending; ${queued.length} model summaries` : undefined;
    },
  });
  jobs.push({
    name: 'digest-email',
    cron: deps.config.scheduler.digestCron,
    timezone: 'Asia/Seoul',
    leaseMs: LEASE_MS,
    async run() {
      if (!deps.mailer) return 'e-mail is not configured (SMTP_URL); no digest sent';
      const lines = await sendDigestEmails({
        db: deps.db,
        mailer: deps.mailer,
        directory: deps.directory(),
        publicUrl: deps.publicUrl(),
        sectorOrder: deps.config.sectorOrder,
      });
      return lines.join('; ') || 'no digest subscriptions';
    },
  });
  jobs.push({
    name: 'prune',
    cron: '30 3 * * *',
    timezone: 'Asia/Seoul',
    leaseMs: LEASE_MS,
    run: () => pruneOldRecords(deps.db, 90),
  });
  return jobs;
}

/** The jobs of a Node runtime: what `cpt serve` schedules and `cpt jobs` lists. */
export function runtimeJobs(runtime: NodeRuntime): JobDefinition[] {
  const { config } = runtime;
  return buildJobs({
    db: runtime.db,
    config,
    sources: SOURCES,
    scrapeDeps: () => runtime.scrapeDeps(),
    dispatcher: runtime.dispatcher,
    enricher: runtime.enricher,
    provider: createSummarizer(config.summarizer, config.llm),
    mailer: runtime.mailer,
    directory: () => runtime.directory,
    publicUrl: () => runtime.publicUrl(),
  });
}
