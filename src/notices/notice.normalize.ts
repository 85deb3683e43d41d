/**
 * Turns what a parser read into the record the store keeps: issuers resolved through the registry
 * (from the title when the page has no 发文机关), 文号 and title normalised, type and effective date
 * inferred, HTML sanitised, content hash and search lexemes computed, and the result schema-checked
 * so a changed site layout fails loudly instead of writing nulls.
 * @module
 */
import { z } from 'zod';
import type { ScrapedNotice } from '../../scrapers/source.js';
import type { Attachment } from '../db/schema.js';
import { isIsoDay } from '../domain/dates.js';
import {
  docNumberKey,
  docTypeFromTitle,
  effectiveDateFromText,
  normalizeDocNumber,
  stripAppendedDocNumber,
  titleKey,
} from '../domain/document.js';
import { searchLexemes } from '../domain/search-text.js';
import { sha256Hex } from '../domain/sha256.js';
import type { IssuerDirectory, ResolvedIssuer } from '../issuers/issuer.directory.js';
import { sanitizeBodyHtml } from './sanitize.js';

/** A notice ready to store. */
export interface NormalizedNotice {
  sourceId: string;
  /** Where this copy was found: the page URL, or `archive:<id>` for archive imports. */
  locator: string;
  url: string | null;
  archiveId: string | null;
  titleZh: string;
  titleNorm: string;
  docNumber: string | null;
  docNumberNorm: string | null;
  docType: string | null;
  issuers: ResolvedIssuer[];
  /** Merge key: canonical name of the first issuer, or the name as written. */
  firstIssuer: string | null;
  writtenDate: string | null;
  publishedDate: string | null;
  effectiveDate: string | null;
  topicZh: string | null;
  indexNumber: string | null;
  origin: string | null;
  validity: string | null;
  bodyText: string;
  bodyHtml: string | null;
  attachments: Attachment[];
  contentHash: string;
  /** Fingerprint of the metadata (文号, type, dates, topic, issuers …) as this page states it. */
  metaHash: string;
}

/** The notice failed the store's schema (a parser produced something unusable). */
export class NoticeValidationError extends Error {
  override name = 'NoticeValidationError';
}

const day = z.string().refine(isIsoDay, 'not a YYYY-MM-DD day').nullable();
const NoticeShape = z.object({
  titleZh: z.string().min(2, 'title is empty').max(500, 'title longer than 500 characters'),
  url: z.string().url().nullable(),
  docNumber: z.string().max(120).nullable(),
  docType: z.string().max(20).nullable(),
  writtenDate: day,
  publishedDate: day,
  effectiveDate: day,
  bodyText: z.string(),
  attachments: z.array(z.object({ name: z.string(), url: z.string().url() })),
});

const emptyToNull = (v: string | null | undefined) => (v?.trim() ? v.trim() : null);

/**
 * The fingerprint of a document's text: title, body (whitespace-insensitive) and attachment links.
 * Equal fingerprints mean a re-scrape found nothing new.
 */
export function contentFingerprint(n: { titleZh: string; bodyText: string; attachments: Attachment[] }): Promise<string> {
  const body = n.bodyText.replace(/\s+/g, '');
  return sha256Hex([n.titleZh, body, ...n.attachments.map((a) => a.url)].join('\u0000'));
}

export interface NormalizeContext {
  sourceId: string;
  directory: IssuerDirectory;
  /** For archive imports: the archive identifier (no page URL). */
  archiveId?: string;
}

/**
 * @returns the notice and warnings (unknown issuers) for the run's report.
 * @throws {NoticeValidationError} naming the field that is unusable.
 */
export async function normalizeNotice(
  scraped: ScrapedNotice | (Omit<ScrapedNotice, 'url'> & { url: string | null }),
  ctx: NormalizeContext,
): Promise<{ notice: NormalizedNotice; warnings: string[] }> {
  const warnings: string[] = [];
  const rawTitle = scraped.titleZh.replace(/\s+/g, ' ').trim();
  const titleZh = stripAppendedDocNumber(rawTitle);
  const names = scraped.issuerNames.length ? scraped.issuerNames : ctx.directory.namesFromTitle(titleZh);
  const issuers = ctx.directory.resolveAll(names);
  for (const unknown of issuers.filter((i) => !i.issuer)) {
    warnings.push(`issuer "${unknown.written}" is not in the registry; kept as written`);
  }
  const docNumber = emptyToNull(scraped.docNumber) ? normalizeDocNumber(scraped.docNumber!) : null;
  const bodyText = scraped.bodyText.trim();
  const writtenDate = scraped.writtenDate;
  const publishedDate = scraped.publishedDate;
  const candidate = {
    titleZh,
    url: scraped.url,
    docNumber,
    docType: emptyToNull(scraped.docType) ?? docTypeFromTitle(rawTitle),
    writtenDate,
    publishedDate,
    effectiveDate:
      scraped.effectiveDate ?? effectiveDateFromText(bodyText, { written: writtenDate, published: publishedDate }),
    bodyText,
    attachments: scraped.attachments,
  };
  const checked = NoticeShape.safeParse(candidate);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new NoticeValidationError(`${issue.path.join('.') || 'notice'}: ${issue.message}`);
  }
  const first = issuers[0];
  const locator = scraped.url ?? `archive:${ctx.archiveId}`;
  const meta = {
    docNumber: candidate.docNumber,
    docType: candidate.docType,
    writtenDate,
    publishedDate,
    effectiveDate: candidate.effectiveDate,
    topicZh: emptyToNull(scraped.topicZh),
    indexNumber: emptyToNull(scraped.indexNumber),
    origin: emptyToNull(scraped.origin),
    validity: emptyToNull(scraped.validity),
    issuers: issuers.map((i) => i.issuer?.nameZh ?? i.written),
  };
  return {
    warnings,
    notice: {
      sourceId: ctx.sourceId,
      locator,
      archiveId: ctx.archiveId ?? null,
      ...candidate,
      titleNorm: titleKey(titleZh),
      docNumberNorm: docNumberKey(docNumber),
      issuers,
      firstIssuer: first ? (first.issuer?.nameZh ?? first.written) : null,
      topicZh: emptyToNull(scraped.topicZh),
      indexNumber: emptyToNull(scraped.indexNumber),
      origin: emptyToNull(scraped.origin),
      validity: emptyToNull(scraped.validity),
      bodyHtml: scraped.bodyHtml ? sanitizeBodyHtml(scraped.bodyHtml, scraped.url) : null,
      contentHash: await contentFingerprint(candidate),
      metaHash: await sha256Hex(JSON.stringify(meta)),
    },
  };
}

/** The lexemes the search index holds for a notice (Chinese now; Korean fields once enriched). */
export function noticeLexemes(n: {
  titleZh: string;
  bodyText: string;
  docNumber: string | null;
  titleKo?: string | null;
  summaryKo?: string | null;
}): string[] {
  return searchLexemes([n.titleZh, n.docNumber, n.bodyText, n.titleKo, n.summaryKo]);
}
