/**
 * Wiring for Cloudflare Workers — the counterpart of `runtime/node-runtime.ts`: configuration from
 * the Worker's `env` (validated by `loadConfig`, like `process.env` on Node), the store through
 * Hyperdrive, the fetch-based HTTP client, the enrichment providers and the alert dispatcher, built
 * once per isolate. Everything else (routes, scrapers, enrichment, alerts) is the shared code.
 * @module
 */
import { z } from 'zod';
import { SOURCES } from '../../scrapers/index.js';
import type { Source } from '../../scrapers/source.js';
import { Dispatcher } from '../alerts/dispatcher.js';
import { Outbox } from '../alerts/outbox.js';
import type { Resolver } from '../alerts/webhook.js';
import { type Config, ConfigError, loadConfig } from '../config.js';
import type { Database } from '../db/schema.js';
import { Enricher, offlineSummarizer } from '../enrichment/index.js';
import type { EnricherOptions } from '../enrichment/enricher.js';
import { OFFLINE_PROMPT_VERSION } from '../enrichment/offline-summarizer.js';
import { OpenAiSummarizer } from '../enrichment/openai-summarizer.js';
import type { Summarizer } from '../enrichment/summarizer.js';
import { type AiBinding, DEFAULT_INSTRUCT_MODEL, WorkersAiSummarizer } from '../enrichment/workers-ai-summarizer.js';
import { HttpClient } from '../http/http-client.js';
import type { IssuerDirectory } from '../issuers/issuer.directory.js';
import { loadIssuerDirectory } from '../issuers/issuer.repository.js';
import { NO_OWNER } from '../scrape/scrape-run.repository.js';
import type { ScrapeDeps } from '../scrape/scrape-runner.js';
import type { Kysely } from 'kysely';
import { dohResolver } from './doh-resolver.js';
import { workerDb } from './request-database.js';

/** The Worker's bindings (wrangler.toml) and its variables and secrets (all strings). */
export interface WorkerEnv {
  HYPERDRIVE: { connectionString: string };
  AI?: AiBinding;
  [name: string]: unknown;
}

export type WorkerSummarizer = 'offline' | 'openai' | 'workers-ai';

/** Settings only the Worker has, besides the shared `Config`. */
export interface WorkerSettings {
  config: Config;
  /** `CPT_SUMMARIZER`, which on Workers may also be `workers-ai`. */
  summarizer: WorkerSummarizer;
  /** `CPT_WORKER_PAGE_BUDGET`: detail pages per cron invocation, over all sources. */
  pageBudget: number;
  /** `CPT_WORKER_DISPATCH_BATCH`: alert deliveries per cron invocation. */
  dispatchBatch: number;
  /** `CPT_WORKERS_AI_MODEL`: the instruct model of `workers-ai` summaries. */
  aiModel: string;
}

const count = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).optional().default(fallback);

const WorkerVars = z.object({
  CPT_SUMMARIZER: z.enum(['offline', 'openai', 'workers-ai']).optional().default('offline'),
  CPT_WORKER_PAGE_BUDGET: count(40, 1000),
  CPT_WORKER_DISPATCH_BATCH: count(50, 1000),
  CPT_WORKERS_AI_MODEL: z.string().trim().min(1).optional().default(DEFAULT_INSTRUCT_MODEL),
});

/**
 * Reads the configuration from the Worker's variables: the shared ones through `loadConfig`, the
 * Worker's own here.
 * @throws {ConfigError} naming the variable.
 */
export function workerSettings(env: WorkerEnv): WorkerSettings {
  const vars: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (typeof value === 'string') vars[name] = value;
  const own = WorkerVars.safeParse(vars);
  if (!own.success) {
    const problems = own.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  // the Node configuration knows offline and openai; workers-ai is the Worker's to wire
  const config = loadConfig({ ...vars, CPT_SUMMARIZER: own.data.CPT_SUMMARIZER === 'workers-ai' ? 'offline' : own.data.CPT_SUMMARIZER });
  return {
    config,
    summarizer: own.data.CPT_SUMMARIZER,
    pageBudget: own.data.CPT_WORKER_PAGE_BUDGET,
    dispatchBatch: own.data.CPT_WORKER_DISPATCH_BATCH,
    aiModel: own.data.CPT_WORKERS_AI_MODEL,
  };
}

/** How often an isolate reloads the issuer directory (it changes only with a deployment or `cpt migrate`). */
const DIRECTORY_TTL_MS = 10 * 60_000;

export interface WorkerRuntime {
  settings: WorkerSettings;
  config: Config;
  db: Kysely<Database>;
  sources: readonly Source[];
  http: HttpClient;
  enricher: Enricher;
  /** The provider of queued summaries; the offline one when none is queued. */
  provider: Summarizer;
  /** Why the configured provider is not used (`workers-ai` without the AI binding), else null. */
  providerNote: string | null;
  dispatcher: Dispatcher;
  /** Webhook host names are resolved over DNS over HTTPS (no `node:dns` on Workers). */
  resolver: Resolver;
  directory(): IssuerDirectory;
  /** Loads the issuer directory when this isolate has none or an old one (inside `withDatabase`). */
  ensureDirectory(): Promise<void>;
  scrapeDeps(): ScrapeDeps;
}

/** The summary provider of queued jobs: what `CPT_SUMMARIZER` names, where it can run. */
function queuedProvider(settings: WorkerSettings, env: WorkerEnv): { provider: Summarizer | null; note: string | null } {
  const { llm } = settings.config;
  switch (settings.summarizer) {
    case 'openai':
      return { provider: new OpenAiSummarizer(llm), note: null };
    case 'workers-ai':
      if (!env.AI) return { provider: null, note: 'CPT_SUMMARIZER=workers-ai, but the Worker has no AI binding ([ai] in wrangler.toml); offline summaries only' };
      return {
        provider: new WorkersAiSummarizer({ ai: env.AI, model: settings.aiModel, timeoutMs: llm.timeoutMs, retries: llm.retries, inputChars: llm.inputChars }),
        note: null,
      };
    case 'offline':
      return { provider: null, note: null };
  }
}

/**
 * The offline provider, built on its first summary: its dictionaries take seconds of CPU, which
 * an API request in a fresh isolate should not pay (only ingest and fallbacks summarise).
 */
function lazyOfflineSummarizer(): EnricherOptions['offline'] {
  return {
    name: 'offline',
    model: null,
    promptVersion: OFFLINE_PROMPT_VERSION,
    summarize: (input) => offlineSummarizer().summarize(input),
    summarizeSync: (input) => offlineSummarizer().summarizeSync(input),
  };
}

export function createWorkerRuntime(env: WorkerEnv): WorkerRuntime {
  const settings = workerSettings(env);
  const { config } = settings;
  const db = workerDb;
  const http = new HttpClient({ ...config.http, hostMap: config.hostMap });
  const { provider, note } = queuedProvider(settings, env);
  // the offline summary is written at ingest (jieba's native addon does not load on Workers; the
  // segmenter falls back to the glossary's longest match); a model summary is queued after it
  const enricher = new Enricher({ offline: lazyOfflineSummarizer(), queuedProvider: provider?.name ?? null });
  const outbox = new Outbox();
  const resolver = dohResolver();
  const dispatcher = new Dispatcher({
    db,
    retrySchedule: config.alerts.retrySchedule,
    allowPrivate: config.alerts.allowPrivate,
    timeoutMs: config.alerts.timeoutMs,
    disableAfterMs: config.alerts.disableAfterMs,
    // no SMTP from Workers: e-mail subscriptions answer 501 there (see worker.ts)
    mailer: null,
    publicUrl: () => config.publicUrl,
    resolver,
  });
  let directory: IssuerDirectory | null = null;
  let loadedAt = 0;
  const runtime: WorkerRuntime = {
    settings,
    config,
    db,
    sources: SOURCES,
    http,
    enricher,
    provider: provider ?? enricher.options.offline,
    providerNote: note,
    dispatcher,
    resolver,
    directory() {
      if (!directory) throw new Error('the issuer directory is not loaded yet (ensureDirectory)');
      return directory;
    },
    async ensureDirectory() {
      if (directory && Date.now() - loadedAt < DIRECTORY_TTL_MS) return;
      directory = await loadIssuerDirectory(db);
      loadedAt = Date.now();
    },
    scrapeDeps: () => ({
      db,
      http,
      directory: runtime.directory(),
      enricher,
      outbox,
      // no browser on Workers: NHC and PBC are recorded as skipped, with the reason
      browser: null,
      stopAfterKnown: config.stopAfterKnown,
      owner: NO_OWNER,
    }),
  };
  return runtime;
}
