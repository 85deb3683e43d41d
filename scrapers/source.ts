/**
 * The contract every source module fulfils. A source describes itself (id, names, site, schedule,
 * columns) and parses what the site serves; fetching, storing and scheduling live elsewhere,
 * so parsing stays pure: text in, typed record or typed problem out.
 * @module
 */
import type { Attachment } from '../src/db/schema.js';

/** A request for one page of a column's list. */
export interface ListRequest {
  url: string;
  method?: 'GET' | 'POST';
  body?: string;
  contentType?: string;
  /** Extra request headers the site expects (e.g. `Referer` for a list API). */
  headers?: Record<string, string>;
  /** What the response must be; anything else is reported as a layout or content-type problem. */
  expect: 'json' | 'html';
}

/** A column (栏目) of a source, named after its URL path. */
export interface SourceColumn {
  id: string;
  nameZh: string;
  first: ListRequest;
}

/** One entry of a list page: where the detail page is, and what the list already says about it. */
export interface ListItem {
  url: string;
  column: string;
  title: string | null;
  /** The list's date for the item (usually the publication day), ISO. */
  date: string | null;
  /** Extra metadata some lists carry (NHSA records: 文号 …). */
  docNumber?: string | null;
}

export interface ListPage {
  items: ListItem[];
  next: ListRequest | null;
}

/** What a detail parser read from a page, before normalisation (issuer resolution, sanitising). */
export interface ScrapedNotice {
  url: string;
  titleZh: string;
  docNumber: string | null;
  docType: string | null;
  /** Issuing bodies as the page writes them, in order. */
  issuerNames: string[];
  writtenDate: string | null;
  publishedDate: string | null;
  effectiveDate: string | null;
  topicZh: string | null;
  indexNumber: string | null;
  /** 来源 as the page writes it (a website or department; not the issuer). */
  origin: string | null;
  validity: string | null;
  bodyText: string;
  /** The body's HTML as served (sanitised before it is stored). */
  bodyHtml: string | null;
  attachments: Attachment[];
}

/** Why a page could not be read as a notice. */
export type ParseProblemCode =
  | 'truncated'
  | 'no_title'
  | 'no_body'
  | 'malformed'
  | 'not_a_notice'
  | 'challenge';

export interface ParseProblem {
  code: ParseProblemCode;
  message: string;
}

export type DetailResult =
  | { ok: true; notice: ScrapedNotice; warnings: string[] }
  | { ok: false; problem: ParseProblem };

/** Thrown by list parsers when a list page is not what the source expects. */
export class ListLayoutError extends Error {
  override name = 'ListLayoutError';
}

export interface Source {
  /** Stable id used in the API, CLI and database (`gov-cn`, `most` …). */
  id: string;
  nameZh: string;
  nameKo: string;
  nameEn: string;
  /** Canonical origin of the site (`https://www.gov.cn`). */
  baseUrl: string;
  /** Default cron schedule (Asia/Shanghai) for scheduled scrapes. */
  schedule: string;
  /** Expected days between new notices; a source silent for longer is flagged stale. */
  cadenceDays: number;
  columns: SourceColumn[];
  /**
   * The site answers plain HTTP clients with a JavaScript challenge (瑞数 412, 加速乐 521), so it can
   * only be read through a browser; without `CPT_BROWSER=1` a run is `skipped` and says why.
   */
  needsBrowser?: boolean;
  /** @throws {ListLayoutError} when the page is not a list of this source. */
  parseList(body: string, request: ListRequest, column: SourceColumn): ListPage;
  /** Parses a detail page; never throws for bad input, returns a problem instead. */
  parseDetail(html: string, url: string, item?: ListItem): DetailResult;
  /** Whether a URL is a detail page of this source (used by reparse and import). */
  isDetailUrl(url: string): boolean;
}
