/**
 * `cpt`, the command line: serve, migrate, scrape, reparse, sources.
 * Exit codes: 0 when every source ended ok, partial or skipped; 3 when any failed, was blocked or
 * unreachable; 2 for bad usage; 1 for other errors (configuration, database).
 * @module
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { SOURCES } from '../../scrapers/index.js';
import { ConfigError, loadConfig } from '../config.js';
import { DataDirBusyError } from '../db/client.js';
import { ensureTemplate } from '../db/pglite-template.js';
import { openRuntime } from '../runtime/node-runtime.js';
import { runReparse } from '../scrape/reparse.js';
import { runScrape, type RunSummary } from '../scrape/scrape-runner.js';
import { processEnrichmentJobs } from '../enrichment/enrichment-runner.js';
import { createSummarizer } from '../enrichment/index.js';
import { runEnrichCommand } from './enrich.js';
import { createProgress } from './progress.js';
import { printImportSummary, printIssuers, printRunSummary, printSources, sourcesMarkdown } from './output.js';
import { importPaths } from '../archive/import.js';
import { writeFileSync } from 'node:fs';
import { buildDigest, type DigestDateBasis, InvalidWeekError, weekRange } from '../digest/digest.js';
import { DIGEST_FORMATS, type DigestFormat, renderDigest } from '../digest/render.js';
import { isSectorCode, SECTOR_CODES } from '../domain/sector.js';
import { runtimeJobs } from '../jobs/jobs.js';
import { listJobs } from '../jobs/scheduler.js';
import { existsSync } from 'node:fs';
import { serve } from './serve.js';
import { ApiKeyError, checkApiKeyName, createApiKey, listApiKeys, revokeApiKey } from '../access/api-key.repository.js';
import { printApiKeys } from './keys-output.js';

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_SOURCE_FAILED = 3;

class UsageError extends Error {}

function exitCodeFor(summaries: RunSummary[]): number {
  return summaries.some((s) => ['failed', 'blocked', 'unreachable'].includes(s.status)) ? EXIT_SOURCE_FAILED : EXIT_OK;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function resolveSources(ids: string[]) {
  if (ids.length === 0) return [...SOURCES];
  const unknown = ids.filter((id) => !SOURCES.some((s) => s.id === id));
  if (unknown.length) {
    throw new UsageError(`unknown source ${unknown.map((u) => `"${u}"`).join(', ')}; valid: ${SOURCES.map((s) => s.id).join(', ')}`);
  }
  return ids.map((id) => SOURCES.find((s) => s.id === id)!);
}

export function buildProgram(): Command {
  const program = new Command('cpt')
    .description('China Policy Tracker: Chinese central-government policy notices for Korean companies')
    .showHelpAfterError('(run `cpt --help` for usage)')
    .exitOverride();

  program
    .command('serve')
    .description('migrate the store and serve the API (http://127.0.0.1:3000; PORT/HOST override)')
    .action(async () => {
      await serve(loadConfig());
    });

  program
    .command('migrate')
    .description('apply database migrations and sync the source and issuer registries')
    .action(async () => {
      const runtime = await openRuntime(loadConfig(), 'cli', 'cpt migrate');
      try {
        const { migrations, issuersChanged } = runtime.prepared;
        console.log(migrations.length ? `applied: ${migrations.join(', ')}` : 'schema up to date');
        console.log(`issuer registry: ${runtime.directory.size} bodies (${issuersChanged} added or updated)`);
      } finally {
        await runtime.close();
      }
    });

  program
    .command('scrape')
    .description('fetch new notices from sources (all when none is named)')
    .argument('[source...]', `source ids: ${SOURCES.map((s) => s.id).join(', ')}`)
    .option('--full', 're-fetch every listed page, not only new ones (conditional GET)')
    .addOption(new Option('--limit <n>', 'process at most n detail pages per source').argParser(positiveInt))
    .action(async (ids: string[], opts: { full?: boolean; limit?: number }) => {
      const sources = resolveSources(ids);
      const runtime = await openRuntime(loadConfig(), 'cli', `cpt scrape ${ids.join(' ')}`.trim());
      const summaries: RunSummary[] = [];
      const controller = new AbortController();
      const stop = () => controller.abort(new Error('interrupted'));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        for (const source of sources) {
          const progress = createProgress(source.id);
          try {
            summaries.push(
              await runScrape(runtime.scrapeDeps(), source, {
                full: opts.full ?? false,
                ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
                trigger: 'cli',
                signal: controller.signal,
                onProgress: progress.update,
              }),
            );
          } finally {
            progress.stop();
          }
          if (controller.signal.aborted) break;
        }
        // model summaries of what was just stored run after ingest, never inside it
        if (runtime.config.summarizer !== 'offline' && !controller.signal.aborted) {
          const provider = createSummarizer(runtime.config.summarizer, runtime.config.llm);
          const done = await processEnrichmentJobs({ db: runtime.db, enricher: runtime.enricher }, provider, 200, controller.signal);
          if (done.length) console.log(`${provider.name}: ${done.filter((d) => d.outcome === 'summarised').length} summarised, ${done.filter((d) => d.outcome === 'fallback').length} fell back to offline`);
        }
      } finally {
        process.removeListener('SIGINT', stop);
        process.removeListener('SIGTERM', stop);
        await runtime.close();
      }
      for (const s of summaries) printRunSummary(s);
      process.exitCode = exitCodeFor(summaries);
    });

  program
    .command('reparse')
    .description('re-run the parsers over stored pages, without fetching')
    .argument('[source]', 'source id (all when omitted)')
    .action(async (id: string | undefined) => {
      const sources = resolveSources(id ? [id] : []);
      const runtime = await openRuntime(loadConfig(), 'cli', 'cpt reparse');
      const summaries: RunSummary[] = [];
      try {
        for (const source of sources) {
          const progress = createProgress(`${source.id} reparse`);
          try {
            summaries.push(
              await runReparse({ db: runtime.db, directory: runtime.directory, enricher: runtime.enricher, owner: runtime.owner }, source, (done, url) =>
                progress.update({ sourceId: source.id, phase: 'detail', done, total: 0, url }),
              ),
            );
          } finally {
            progress.stop();
          }
        }
      } finally {
        await runtime.close();
      }
      for (const s of summaries) printRunSummary(s);
      process.exitCode = exitCodeFor(summaries);
    });

  program
    .command('import')
    .description('import saved material through the parsers: archive notice JSON, pages laid out as <host>/<path>, WARC files')
    .argument('<path...>', 'files or folders')
    .action(async (paths: string[]) => {
      for (const path of paths) if (!existsSync(path)) throw new UsageError(`no such file or folder: ${path}`);
      const runtime = await openRuntime(loadConfig(), 'cli', 'cpt import');
      try {
        const summary = await importPaths(
          { db: runtime.db, directory: runtime.directory, enricher: runtime.enricher, owner: runtime.owner },
          SOURCES,
          paths,
        );
        printImportSummary(summary);
        process.exitCode = summary.counts.failed > 0 && summary.counts.new + summary.counts.merged + summary.counts.unchanged + summary.counts.updated + summary.counts.revised === 0 ? EXIT_SOURCE_FAILED : EXIT_OK;
      } finally {
        await runtime.close();
      }
    });

  program
    .command('digest')
    .description('the weekly digest of an ISO week (Korea time), grouped by sector')
    .requiredOption('--week <week>', 'ISO week, e.g. 2020-W26')
    .addOption(new Option('--format <format>', 'output format').choices(DIGEST_FORMATS).default('md'))
    .addOption(new Option('--by <date>', 'which date places a notice in the week').choices(['published', 'written', 'first_seen']).default('published'))
    .option('--sector <code...>', 'only these sectors')
    .option('--issuer <name...>', 'only notices of these issuers (Chinese name or alias)')
    .option('--korea-relevant', 'only notices relevant to Korean companies')
    .option('--out <file>', 'write to a file (PDF needs one unless stdout is redirected)')
    .action(async (opts: { week: string; format: DigestFormat; by: DigestDateBasis; sector?: string[]; issuer?: string[]; koreaRelevant?: boolean; out?: string }) => {
      try {
        weekRange(opts.week);
      } catch (error) {
        if (error instanceof InvalidWeekError) throw new UsageError(error.message);
        throw error;
      }
      const bad = (opts.sector ?? []).filter((s) => !isSectorCode(s));
      if (bad.length) throw new UsageError(`unknown sector ${bad.join(', ')}; valid: ${SECTOR_CODES.join(', ')}`);
      if (opts.format === 'pdf' && !opts.out && process.stdout.isTTY) throw new UsageError('a PDF goes to a file: add --out digest.pdf');
      const config = loadConfig();
      const runtime = await openRuntime(config, 'cli', 'cpt digest');
      try {
        const issuers = (opts.issuer ?? []).map((name) => ({ name, found: runtime.directory.resolve(name) }));
        const unknown = issuers.filter((i) => !i.found).map((i) => i.name);
        if (unknown.length) throw new UsageError(`unknown issuer ${unknown.join(', ')}; \`cpt issuers\` lists the known ones`);
        const digest = await buildDigest(runtime.db, {
          week: opts.week,
          by: opts.by,
          sectors: opts.sector ?? [],
          issuerIds: issuers.map((i) => i.found!.id),
          koreaRelevantOnly: opts.koreaRelevant ?? false,
          sectorOrder: config.sectorOrder,
        });
        const output = await renderDigest(digest, opts.format);
        if (opts.out) {
          writeFileSync(opts.out, output);
          console.error(`${digest.title}: ${digest.total} notice(s) → ${opts.out}`);
        } else {
          process.stdout.write(output);
        }
      } finally {
        await runtime.close();
      }
    });

  program
    .command('dispatch')
    .description('send the alert deliveries that are due now (the server does this every few seconds)')
    .action(async () => {
      const runtime = await openRuntime(loadConfig(), 'cli', 'cpt dispatch');
      try {
        const results = await runtime.dispatcher.dispatchDue(1000);
        console.log(`sent ${results.filter((r) => r.ok).length} of ${results.length} due deliveries`);
        for (const r of results.filter((r) => !r.ok)) console.log(`  ✗ ${r.deliveryId} (${r.subscriptionId}): ${r.error}${r.dead ? ' — dead, no more attempts' : ''}`);
      } finally {
        await runtime.close();
      }
    });

  program
    .command('jobs')
    .description('the scheduled jobs with their last and next run')
    .action(async () => {
      const config = loadConfig();
      const runtime = await openRuntime(config, 'cli', 'cpt jobs');
      try {
        const jobs = runtimeJobs(runtime);
        if (!config.scheduler.enabled) console.log('CPT_SCHEDULER=0: `npm start` runs no jobs');
        for (const j of await listJobs(runtime.db, jobs)) {
          const last = j.lastStartedAt ? `${j.lastStatus ?? 'running'} ${new Date(j.lastStartedAt).toISOString()}${j.lastMessage ? ` — ${j.lastMessage}` : ''}` : 'never run';
          console.log(`${j.name.padEnd(16)} ${j.cron.padEnd(18)} ${j.timezone.padEnd(14)} next ${j.nextRun?.toISOString() ?? '—'}  last ${last}${j.heldBy ? `  (running on ${j.heldBy})` : ''}`);
        }
      } finally {
        await runtime.close();
      }
    });

  program
    .command('enrich')
    .description('Korean titles, summaries and sectors: pending notices and queued model summaries, one notice, or all')
    .addOption(new Option('--all', 're-enrich every notice (reviewed summaries are kept)').conflicts('id'))
    .option('--id <id>', 'enrich one notice')
    .addOption(new Option('--provider <name>', 'summary provider (default: CPT_SUMMARIZER)').choices(['offline', 'openai']))
    .action(async (opts: { all?: boolean; id?: string; provider?: 'offline' | 'openai' }) => {
      const config = loadConfig();
      const runtime = await openRuntime(config, 'cli', 'cpt enrich');
      try {
        const provider = createSummarizer(opts.provider ?? config.summarizer, config.llm);
        const summary = await runEnrichCommand({ db: runtime.db, enricher: runtime.enricher }, provider, opts);
        console.log(summary);
      } finally {
        await runtime.close();
      }
    });

  program
    .command('issuers')
    .description('list issuing bodies with notice counts, or (--unknown) names the registry does not know')
    .option('--unknown', 'only names found on notices that the registry does not know')
    .option('--json', 'print JSON')
    .action(async (opts: { unknown?: boolean; json?: boolean }) => {
      const runtime = await openRuntime(loadConfig(), 'cli', 'cpt issuers');
      try {
        await printIssuers(runtime.db, opts);
      } finally {
        await runtime.close();
      }
    });

  program
    .command('sources')
    .description('list sources with their last run')
    .option('--json', 'print JSON')
    .option('--markdown', 'print the README table of sources (from the registry; no database)')
    .action(async (opts: { json?: boolean; markdown?: boolean }) => {
      if (opts.markdown) {
        console.log(sourcesMarkdown());
        return;
      }
      const config = loadConfig();
      const runtime = await openRuntime(config, 'cli', 'cpt sources');
      try {
        await printSources(runtime.db, opts.json ?? false, config.staleDays);
      } finally {
        await runtime.close();
      }
    });

  const keys = program.command('keys').description('API keys kept in the database (next to CPT_API_KEYS): create, list, revoke');
  keys
    .command('create')
    .description('make a key; it is printed once, only its hash is kept')
    .argument('<name>', 'who or what uses it (letters, digits, . _ - @); recorded as reviewed_by / created_by')
    .action(async (name: string) => {
      const config = loadConfig();
      try {
        checkApiKeyName(name);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      if (config.apiKeys.some((k) => k.name === name)) throw new UsageError(`"${name}" is a key of CPT_API_KEYS; pick another name`);
      const runtime = await openRuntime(config, 'cli', 'cpt keys create');
      try {
        const { key, info } = await createApiKey(runtime.db, name).catch((error: unknown) => {
          throw error instanceof ApiKeyError ? new UsageError(error.message) : error;
        });
        // the key alone on stdout, so `KEY=$(cpt keys create x)` works; the note on stderr
        console.log(key);
        console.error(`created API key "${info.name}" (${info.prefix}…); it is shown only now: send it as Authorization: Bearer <key>`);
      } finally {
        await runtime.close();
      }
    });
  keys
    .command('list')
    .description('name, prefix, created, last used and revoked of every stored key (never the key)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const config = loadConfig();
      const runtime = await openRuntime(config, 'cli', 'cpt keys list');
      try {
        printApiKeys(await listApiKeys(runtime.db), config.apiKeys.map((k) => k.name), opts.json ?? false);
      } finally {
        await runtime.close();
      }
    });
  keys
    .command('revoke')
    .description('revoke the active key of that name (refused from the next request on)')
    .argument('<name>', 'key name')
    .action(async (name: string) => {
      const config = loadConfig();
      if (config.apiKeys.some((k) => k.name === name)) throw new UsageError(`"${name}" is set in CPT_API_KEYS; remove it there and restart the server`);
      const runtime = await openRuntime(config, 'cli', 'cpt keys revoke');
      try {
        const prefix = await revokeApiKey(runtime.db, name);
        if (!prefix) throw new UsageError(`no active key named "${name}"; \`cpt keys list\` shows the keys`);
        console.log(`revoked API key "${name}" (${prefix}…)`);
      } finally {
        await runtime.close();
      }
    });

  program
    .command('init')
    .description('prepare the embedded database template (run by npm install)')
    .action(async () => {
      console.log(`embedded database template: ${await ensureTemplate()}`);
    });

  return program;
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT_OK;
      return EXIT_USAGE;
    }
    if (error instanceof UsageError) {
      console.error(`cpt: ${error.message}`);
      return EXIT_USAGE;
    }
    if (error instanceof ConfigError || error instanceof DataDirBusyError) {
      console.error(`cpt: ${error.message}`);
      return EXIT_ERROR;
    }
    console.error(`cpt: ${(error as Error).message ?? error}`);
    if (process.env.CPT_DEBUG) console.error(error);
    return EXIT_ERROR;
  }
}
