/**
 * Runs one source: discover list items, fetch each new detail page, and push it through the
 * pipeline, recording progress and every problem in `scrape_runs`. A failing page never stops
 * the run; a failing list decides the run's status (blocked, unreachable, failed).
 * @module
 */
import type { Kysely } from 'kysely';
import { ListLayoutError, type ListItem, type ListRequest, type Source, type SourceColumn } from '../../scrapers/source.js';
import type { Database, RunProblem, RunStatus } from '../db/schema.js';
import { FetchError } from '../http/fetch-error.js';
import type { FetchedPage, HttpClient, PageFetcher } from '../http/http-client.js';
import { type PipelineDeps, processDetailPage } from './process-page.js';
import { findValidators, upsertRawPage } from './raw-page.repository.js';
import { finishRun, recordSkippedRun, type RunCounts, startRun, updateRun } from './scrape-run.repository.js';

export interface ScrapeDeps extends PipelineDeps {
  http: HttpClient;
  /** The browser, for sources that need one (`CPT_BROWSER=1`); without it they are skipped. */
  browser?: (() => PageFetcher) | null;
  /** Incremental runs stop a column after this many consecutive already-stored items. */
  stopAfterKnown: number;
}

export interface ScrapeProgress {
  sourceId: string;
  phase: 'list' | 'detail';
  done: number;
  total: number;
  url: string;
}

export interface ScrapeOptions {
  /** Re-fetch every listed page (conditional GET), not only new ones. */
  full?: boolean;
  /** Process at most this many detail pages. */
  limit?: number;
  /**
   * Process at most this many detail pages and leave the rest to the next run, which resumes
   * where this one stopped (Workers: a bounded amount of work per cron invocation).
   */
  pageBudget?: number;
  trigger?: string;
  signal?: AbortSignal;
  onProgress?: (progress: ScrapeProgress) => void;
}

export interface RunSummary {
  sourceId: string;
  runId: number | null;
  status: Exclude<RunStatus, 'running'>;
  message: string | null;
  counts: RunCounts;
  problems: RunProblem[];
  durationMs: number;
}

/** Which status a run gets when no list of the source could be read. */
function statusForListFailure(error: unknown): { status: RunSummary['status']; message: string } {
  if (error instanceof FetchError) {
    switch (error.kind) {
      case 'challenge':
        return { status: 'blocked', message: `blocked (anti-bot challenge, HTTP ${error.status})` };
      case 'robots':
        return { status: 'blocked', message: `blocked (${error.message})` };
      case 'timeout':
      case 'network':
      case 'redirect':
        return { status: 'unreachable', message: `unreachable (${error.message})` };
      case 'http':
        if (error.status === 403) return { status: 'blocked', message: `blocked (HTTP 403)` };
        if (error.status !== null && (error.status >= 500 || error.status === 429)) {
          return { status: 'unreachable', message: `unreachable (${error.message})` };
        }
        return { status: 'failed', message: `list failed (${error.message})` };
      default:
        return { status: 'failed', message: `list failed (${error.message})` };
    }
  }
  return { status: 'failed', message: `list failed (${(error as Error).message})` };
}

/** How a run that used up its page budget begins its message; the next run resumes after it. */
export const PAGE_BUDGET_REACHED = 'page budget reached';

/**
 * Whether the run before `runId` ended without finishing its list (killed, crashed, stopped, or
 * out of page budget).
 */
async function previousRunInterrupted(db: Kysely<Database>, sourceId: string, runId: number): Promise<boolean> {
  const previous = await db
    .selectFrom('scrape_runs')
    .select(['status', 'mode', 'message'])
    .where('source_id', '=', sourceId)
    .where('id', '<', runId)
    .where('mode', '!=', 'reparse')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (previous?.status === 'partial') return previous.message?.startsWith(PAGE_BUDGET_REACHED) ?? false;
  return previous?.status === 'failed' || previous?.status === 'running';
}

/** A resumed run pages on through at most this many already-stored list pages to reach the rest. */
const RESUME_KNOWN_PAGES = 20;

async function knownLocators(db: Kysely<Database>, urls: string[]): Promise<Set<string>> {
  const known = new Set<string>();
  for (let i = 0; i < urls.length; i += 500) {
    const batch = urls.slice(i, i + 500);
    if (batch.length === 0) continue;
    const rows = await db.selectFrom('notice_sources').select('url').where('url', 'in', batch).execute();
    for (const r of rows) known.add(r.url);
  }
  return known;
}

class RunState {
  readonly counts: RunCounts = { seen: 0, new: 0, updated: 0, unchanged: 0, failed: 0 };
  readonly problems: RunProblem[] = [];
  lastHttpStatus: number | null = null;

  problem(p: RunProblem) {
    this.problems.push(p);
    if (p.kind === 'error') this.counts.failed++;
  }
}

/** Fetches every list page of a column. */
async function readColumn(
  deps: ScrapeDeps,
  fetcher: PageFetcher,
  source: Source,
  column: SourceColumn,
  state: RunState,
  options: ScrapeOptions,
  resume: boolean,
): Promise<ListItem[]> {
  const items: ListItem[] = [];
  const seenPages = new Set<string>();
  // resuming: the unvisited items lie beyond the pages the interrupted run stored
  let knownPagesToSkip = resume ? RESUME_KNOWN_PAGES : 0;
  let request: ListRequest | null = column.first;
  while (request && !seenPages.has(`${request.method ?? 'GET'} ${request.url} ${request.body ?? ''}`)) {
    seenPages.add(`${request.method ?? 'GET'} ${request.url} ${request.body ?? ''}`);
    options.onProgress?.({ sourceId: source.id, phase: 'list', done: items.length, total: 0, url: request.url });
    const page: FetchedPage = await fetcher.fetchPage({
      url: request.url,
      expect: request.expect,
      ...(request.method ? { method: request.method } : {}),
      ...(request.body !== undefined ? { body: request.body } : {}),
      ...(request.contentType ? { contentType: request.contentType } : {}),
      ...(request.headers ? { headers: request.headers } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    state.lastHttpStatus = page.status;
    const parsed = source.parseList(page.text, request, column);
    items.push(...parsed.items);
    if (!options.full && parsed.items.length > 0) {
      // Stop paging once a whole page is already stored.
      const known = await knownLocators(deps.db, parsed.items.map((i) => i.url));
      const allKnown = known.size >= Math.min(parsed.items.length, deps.stopAfterKnown);
      if (allKnown && knownPagesToSkip-- <= 0) break;
      if (!allKnown) knownPagesToSkip = 0;
    }
    request = parsed.next;
  }
  return items;
}

/**
 * Which listed items to fetch: all with --full; otherwise the ones not stored yet, stopping after a
 * run of stored ones — unless the previous run did not finish, whose unvisited (older) items lie
 * beyond the ones it stored. A page fetched before that did not parse is not fetched again
 * incrementally (the same bytes would fail the same way; `cpt reparse` runs improved parsers on
 * them, `--full` fetches them again), except when resuming, where a crash may have come between
 * storing the page and storing its notice.
 */
async function selectItems(deps: ScrapeDeps, items: ListItem[], full: boolean, resume: boolean): Promise<ListItem[]> {
  if (full) return items;
  const urls = items.map((i) => i.url);
  const known = await knownLocators(deps.db, urls);
  const attempted = resume ? new Set<string>() : await fetchedPages(deps.db, urls);
  const out: ListItem[] = [];
  let consecutiveKnown = 0;
  for (const item of items) {
    if (known.has(item.url) || attempted.has(item.url)) {
      if (++consecutiveKnown >= deps.stopAfterKnown && !resume) break;
      continue;
    }
    consecutiveKnown = 0;
    out.push(item);
  }
  return out;
}

/** Detail pages already fetched and stored as raw pages. */
async function fetchedPages(db: Kysely<Database>, urls: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < urls.length; i += 500) {
    const batch = urls.slice(i, i + 500);
    if (batch.length === 0) continue;
    const rows = await db.selectFrom('raw_pages').select('url').where('url', 'in', batch).where('kind', '=', 'detail').execute();
    for (const r of rows) out.add(r.url);
  }
  return out;
}

async function processItem(
  deps: ScrapeDeps,
  fetcher: PageFetcher,
  source: Source,
  item: ListItem,
  state: RunState,
  options: ScrapeOptions,
) {
  const validators = options.full ? await findValidators(deps.db, item.url) : undefined;
  let page: FetchedPage;
  try {
    page = await fetcher.fetchPage({
      url: item.url,
      expect: 'html',
      ...(validators ? { etag: validators.etag, lastModified: validators.lastModified } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (!(error instanceof FetchError)) throw error;
    state.lastHttpStatus = error.status ?? state.lastHttpStatus;
    state.problem({ url: item.url, stage: 'fetch', kind: 'error', reason: error.message });
    return;
  }
  state.lastHttpStatus = page.status;
  if (page.notModified) {
    state.counts.unchanged++;
    await deps.db.updateTable('notice_sources').set({ last_seen_at: new Date() }).where('url', '=', item.url).execute();
    return;
  }
  await upsertRawPage(deps.db, source.id, 'detail', page);
  if (page.charsetNote) state.problem({ url: item.url, stage: 'fetch', kind: 'warning', reason: page.charsetNote });
  const url = page.finalUrl !== item.url && source.isDetailUrl(page.finalUrl) ? page.finalUrl : item.url;
  const result = await processDetailPage(deps, source, url, page.text, item);
  if (!result.ok) {
    state.problem(result.problem);
    return;
  }
  for (const w of result.warnings) state.problem(w);
  if (result.outcome === 'new') state.counts.new++;
  else if (result.outcome === 'unchanged') state.counts.unchanged++;
  else state.counts.updated++;
}

/**
 * Scrapes one source end to end.
 * @returns the run's summary (also stored in `scrape_runs`); `skipped` when a run is already going.
 */
export async function runScrape(deps: ScrapeDeps, source: Source, options: ScrapeOptions = {}): Promise<RunSummary> {
  const started = Date.now();
  const mode = options.full ? 'full' : 'incremental';
  const state = new RunState();
  const fetcher: PageFetcher | null = source.needsBrowser ? (deps.browser?.() ?? null) : deps.http;
  if (!fetcher) {
    const message =
      'skipped: the site answers plain HTTP clients with an anti-bot JavaScript challenge; it can be read through a browser (set CPT_BROWSER=1)';
    const runId = await recordSkippedRun(deps.db, source.id, options.trigger ?? 'cli', mode, message);
    return { sourceId: source.id, runId, status: 'skipped', message, counts: state.counts, problems: [], durationMs: Date.now() - started };
  }
  const start = await startRun(deps.db, source.id, options.trigger ?? 'cli', mode, deps.owner);
  if (!start.started) {
    return {
      sourceId: source.id,
      runId: null,
      status: 'skipped',
      message: `already running (run #${start.running.id}, started ${start.running.started_at.toISOString()})`,
      counts: state.counts,
      problems: [],
      durationMs: Date.now() - started,
    };
  }
  const runId = start.runId;
  const finish = async (status: RunSummary['status'], message: string | null): Promise<RunSummary> => {
    await finishRun(deps.db, runId, status, message, state.counts, state.problems, state.lastHttpStatus);
    return { sourceId: source.id, runId, status, message, counts: state.counts, problems: state.problems, durationMs: Date.now() - started };
  };

  try {
    const listed: ListItem[] = [];
    let firstListError: unknown = null;
    let columnsRead = 0;
    const resume = await previousRunInterrupted(deps.db, source.id, runId);
    for (const column of source.columns) {
      try {
        listed.push(...(await readColumn(deps, fetcher, source, column, state, options, resume)));
        columnsRead++;
      } catch (error) {
        if (!(error instanceof FetchError || error instanceof ListLayoutError)) throw error;
        firstListError ??= error;
        if (error instanceof FetchError) state.lastHttpStatus = error.status ?? state.lastHttpStatus;
        state.problem({ url: column.first.url, stage: error instanceof FetchError && error.kind === 'robots' ? 'robots' : 'list', kind: 'error', reason: error.message });
      }
    }
    if (columnsRead === 0) {
      const { status, message } = statusForListFailure(firstListError);
      return await finish(status, message);
    }

    const unique = [...new Map(listed.map((i) => [i.url, i])).values()];
    let queue = await selectItems(deps, unique, options.full ?? false, resume);
    if (options.limit !== undefined) queue = queue.slice(0, options.limit);
    const leftOver = options.pageBudget !== undefined ? Math.max(queue.length - options.pageBudget, 0) : 0;
    if (leftOver) queue = queue.slice(0, options.pageBudget);
    state.counts.seen = queue.length;
    await updateRun(deps.db, runId, state.counts, state.problems, state.lastHttpStatus);

    for (const [index, item] of queue.entries()) {
      options.signal?.throwIfAborted();
      options.onProgress?.({ sourceId: source.id, phase: 'detail', done: index, total: queue.length, url: item.url });
      await processItem(deps, fetcher, source, item, state, options);
      await updateRun(deps.db, runId, state.counts, state.problems, state.lastHttpStatus);
    }
    options.onProgress?.({ sourceId: source.id, phase: 'detail', done: queue.length, total: queue.length, url: '' });

    const succeeded = state.counts.new + state.counts.updated + state.counts.unchanged;
    const listProblems = columnsRead < source.columns.length;
    // Every page failing is a broken source (a changed layout, a dead site) — unless all it found
    // were pages that are simply not there (404, 410), which says nothing about the source.
    const onlyMissing = state.problems.filter((p) => p.kind === 'error').every((p) => /^HTTP (404|410)\b/.test(p.reason));
    if (leftOver && (succeeded > 0 || onlyMissing)) {
      const problems = state.counts.failed ? `; ${state.counts.failed} problem(s)` : '';
      return await finish('partial', `${PAGE_BUDGET_REACHED}: ${leftOver} page(s) left for the next run${problems}`);
    }
    if (state.counts.failed === 0 && !listProblems) return await finish('ok', null);
    if (succeeded === 0 && queue.length > 0 && !onlyMissing) return await finish('failed', `all ${queue.length} pages failed`);
    return await finish('partial', `${state.counts.failed} problem(s); every good notice was stored`);
  } catch (error) {
    const aborted = options.signal?.aborted;
    const message = aborted ? 'stopped: shutting down' : `crashed: ${(error as Error).message}`;
    await finish('failed', message).catch(() => {});
    if (aborted) return { sourceId: source.id, runId, status: 'failed', message, counts: state.counts, problems: state.problems, durationMs: Date.now() - started };
    throw error;
  }
}
