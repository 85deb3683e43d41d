/**
 * Importing saved material through the same parsers and pipeline as a scrape:
 * - archive notices (`archive/notices/NN.json`: title, issuers, 文号, dates, body) — the bundled archive
 *   of real notices, imported into the `archive` source with an `archive:` identifier and no invented
 *   URL (the official URL where the file knows it);
 * - saved pages laid out by URL path (`<dir>/<host>/<path>.html`), parsed by the source of that host;
 * - WARC files (`.warc`, `.warc.gz`): their `response` records, parsed the same way.
 * @module
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { WARCParser } from 'warcio';
import { z } from 'zod';
import type { Source } from '../../scrapers/source.js';
import type { RunProblem } from '../db/schema.js';
import { decodeBody } from '../http/charset.js';
import type { FetchedPage } from '../http/http-client.js';
import { ingestNotice, type IngestOutcome } from '../notices/notice.ingest.js';
import { NoticeValidationError, normalizeNotice } from '../notices/notice.normalize.js';
import { type PipelineDeps, processDetailPage } from '../scrape/process-page.js';
import { upsertRawPage } from '../scrape/raw-page.repository.js';

import { ARCHIVE_SOURCE } from './archive-source.js';

export { ARCHIVE_SOURCE };

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .nullable()
  .optional()
  .transform((v) => v ?? null);

/** One archive notice file. */
export const ArchiveNoticeSchema = z.object({
  title: z.string().min(2),
  issuers: z.array(z.string()),
  doc_number: z.string().nullable().optional(),
  written_date: day,
  published_date: day,
  doc_type: z.string().nullable().optional(),
  official_url: z.string().url().nullable().optional(),
  body: z.string().nullable().optional(),
  text_status: z.string().optional(),
});

export type ArchiveNotice = z.infer<typeof ArchiveNoticeSchema>;

export interface ImportSummary {
  files: number;
  counts: Record<IngestOutcome | 'failed' | 'skipped', number>;
  problems: RunProblem[];
}

function emptySummary(): ImportSummary {
  return { files: 0, counts: { new: 0, revised: 0, merged: 0, updated: 0, unchanged: 0, failed: 0, skipped: 0 }, problems: [] };
}

/** Imports one archive notice. `archiveId` names it stably (`notices/02`). */
export async function importArchiveNotice(
  deps: PipelineDeps,
  archiveId: string,
  data: ArchiveNotice,
): Promise<IngestOutcome> {
  const paragraphs = (data.body ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  const { notice } = await normalizeNotice(
    {
      url: data.official_url ?? null,
      titleZh: data.title,
      docNumber: data.doc_number ?? null,
      docType: data.doc_type ?? null,
      issuerNames: data.issuers,
      writtenDate: data.written_date,
      publishedDate: data.published_date,
      effectiveDate: null,
      topicZh: null,
      indexNumber: null,
      origin: null,
      validity: null,
      bodyText: paragraphs.join('\n'),
      bodyHtml: paragraphs.length ? paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n') : null,
      attachments: [],
    },
    { sourceId: ARCHIVE_SOURCE.id, directory: deps.directory, archiveId },
  );
  return (await ingestNotice(deps.db, notice, { enricher: deps.enricher })).outcome;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function sourceForUrl(sources: readonly Source[], url: string): Source | undefined {
  const host = new URL(url).host;
  return sources.find((s) => s.baseUrl.startsWith('http') && new URL(s.baseUrl).host === host && s.isDetailUrl(url));
}

/** A saved page as if just fetched (so it is stored for `cpt reparse` like a scraped one). */
function savedPage(url: string, bytes: Uint8Array, contentType: string | null): FetchedPage {
  const decoded = decodeBody(bytes, contentType, true);
  return {
    url,
    finalUrl: url,
    status: 200,
    notModified: false,
    contentType,
    charset: decoded.charset,
    charsetNote: decoded.note,
    etag: null,
    lastModified: null,
    bytes,
    text: decoded.text,
  };
}

async function importPage(deps: PipelineDeps, sources: readonly Source[], page: FetchedPage, summary: ImportSummary) {
  const source = sourceForUrl(sources, page.url);
  if (!source) {
    summary.counts.skipped++;
    summary.problems.push({ url: page.url, stage: 'parse', kind: 'warning', reason: 'not a detail page of a known source; skipped' });
    return;
  }
  await upsertRawPage(deps.db, source.id, 'detail', page);
  const result = await processDetailPage(deps, source, page.url, page.text);
  if (!result.ok) {
    summary.counts.failed++;
    summary.problems.push(result.problem);
    return;
  }
  summary.counts[result.outcome]++;
  summary.problems.push(...result.warnings);
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else out.push(path);
  }
  return out;
}

/** `<root>/www.most.gov.cn/tztg/202006/t20200618_1.html` → `https://www.most.gov.cn/tztg/202006/t20200618_1.html`. */
export function urlFromSavedPath(root: string, file: string): string | null {
  const parts = relative(root, file).split(sep);
  const host = parts[0];
  if (!host || parts.length < 2 || !/^[a-z0-9.-]+\.[a-z]{2,}$/i.test(host)) return null;
  return `https://${host}/${parts.slice(1).map(encodeURIComponent).join('/')}`.replace(/%40/g, '@');
}

async function importWarc(deps: PipelineDeps, sources: readonly Source[], file: string, summary: ImportSummary) {
  const bytes = readFileSync(file);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new Uint8Array(bytes));
      controller.close();
    },
  });
  for await (const record of WARCParser.iterRecords(stream)) {
    if (record.warcType !== 'response' || !record.warcTargetURI) continue;
    const status = Number(record.httpHeaders?.statusCode ?? 0);
    const payload = await record.readFully(true);
    if (status !== 200) {
      summary.counts.skipped++;
      summary.problems.push({ url: record.warcTargetURI, stage: 'fetch', kind: 'warning', reason: `archived with HTTP ${status}; skipped` });
      continue;
    }
    const contentType = record.httpHeaders?.headers.get('content-type') ?? null;
    const url = record.warcTargetURI.replace(/^http:\/\//, 'https://');
    await importPage(deps, sources, savedPage(url, payload, contentType), summary);
  }
}

/**
 * Imports files and folders: archive notice JSON, saved pages laid out by URL path, WARC files.
 * @returns counts per outcome and every problem with the file or URL it concerns
 */
export async function importPaths(pipeline: PipelineDeps, sources: readonly Source[], paths: string[]): Promise<ImportSummary> {
  // imported material is backlog: it never alerts
  const deps: PipelineDeps = { ...pipeline, outbox: null };
  const summary = emptySummary();
  for (const path of paths) {
    const isDir = statSync(path).isDirectory();
    const files = isDir ? walk(path) : [path];
    for (const file of files) {
      summary.files++;
      try {
        if (/\.warc(\.gz)?$/i.test(file)) {
          await importWarc(deps, sources, file, summary);
        } else if (/\.json$/i.test(file)) {
          const parsed = ArchiveNoticeSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
          if (!parsed.success) {
            summary.counts.skipped++;
            summary.problems.push({ url: file, stage: 'parse', kind: 'warning', reason: 'not an archive notice (title, issuers …); skipped' });
            continue;
          }
          const archiveId = relative(isDir ? join(path, '..') : join(file, '..', '..'), file).replace(/\.json$/i, '').split(sep).join('/');
          summary.counts[await importArchiveNotice(deps, archiveId, parsed.data)]++;
        } else if (/\.(s?html?)$/i.test(file) && isDir) {
          const url = urlFromSavedPath(path, file);
          if (!url) {
            summary.counts.skipped++;
            summary.problems.push({ url: file, stage: 'parse', kind: 'warning', reason: 'not laid out as <host>/<path>; skipped' });
            continue;
          }
          await importPage(deps, sources, savedPage(url, new Uint8Array(readFileSync(file)), null), summary);
        } else {
          summary.counts.skipped++;
        }
      } catch (error) {
        if (!(error instanceof SyntaxError || error instanceof NoticeValidationError)) throw error;
        summary.counts.failed++;
        summary.problems.push({ url: file, stage: 'parse', kind: 'error', reason: error.message });
      }
    }
  }
  return summary;
}
