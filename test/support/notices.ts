/**
 * Notices for tests, built from the real notices bundled in `archive/notices/`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { ScrapedNotice } from '../../scrapers/source.js';
import type { Database } from '../../src/db/schema.js';
import { loadIssuerDirectory } from '../../src/issuers/issuer.repository.js';
import { createEnricher } from '../../src/enrichment/index.js';
import { type IngestEnricher, ingestNotice } from '../../src/notices/notice.ingest.js';
import { normalizeNotice } from '../../src/notices/notice.normalize.js';

export interface ArchiveNotice {
  title: string;
  issuers: string[];
  doc_number: string | null;
  written_date: string | null;
  published_date: string | null;
  doc_type: string | null;
  body: string | null;
}

export function archiveNotice(id: string): ArchiveNotice {
  return JSON.parse(readFileSync(join(process.cwd(), 'archive', 'notices', `${id}.json`), 'utf8')) as ArchiveNotice;
}

/** A scraped notice with the real metadata and text of archive notice `id`, at `url`. */
export function scrapedFromArchive(id: string, url: string, overrides: Partial<ScrapedNotice> = {}): ScrapedNotice {
  const a = archiveNotice(id);
  const paragraphs = (a.body ?? '').split('\n').filter(Boolean);
  return {
    url,
    titleZh: a.title,
    docNumber: a.doc_number,
    docType: a.doc_type,
    issuerNames: a.issuers,
    writtenDate: a.written_date,
    publishedDate: a.published_date,
    effectiveDate: null,
    topicZh: null,
    indexNumber: null,
    origin: null,
    validity: null,
    bodyText: paragraphs.join('\n'),
    bodyHtml: paragraphs.map((p) => `<p>${p}</p>`).join(''),
    attachments: [],
    ...overrides,
  };
}

export async function ingestScraped(
  db: Kysely<Database>,
  scraped: ScrapedNotice,
  sourceId = 'gov-cn',
  enricher: IngestEnricher = createEnricher(),
) {
  const directory = await loadIssuerDirectory(db);
  const { notice } = await normalizeNotice(scraped, { sourceId, directory });
  return ingestNotice(db, notice, { enricher });
}
