/**
 * `gov-cn` — the State Council policy document library on www.gov.cn (国务院政策文件库).
 *
 * Discovery reads the library's static JSON feeds (robots-friendly; the search API host is
 * robots-disallowed): 国务院文件 (`gwywj`) and 国务院部门文件 (`bmwj`), each an array of
 * `{TITLE, SUB_TITLE, URL, DOCRELPUBTIME}`, newest first, in one file.
 *
 * Detail pages come in three shapes, all parsed by label rather than position:
 * - the policy-library template: `div.policyLibraryOverview_header table` (标题|发文机关,
 *   发文字号|来源, 主题分类|公文种类, 成文日期|发布日期), body `#UCAP-CONTENT`;
 * - the legacy template: `table.bd1` (索引号|主题分类, 发文机关|成文日期, 标题, 发文字号|发布日期),
 *   body `td#UCAP-CONTENT` or `div#UCAP-CONTENT`;
 * - news-style policy pages without a table: `h1`, `div.pages-date` (date and 来源), body.
 * The first `#UCAP-CONTENT` is the desktop body; a second one is the mobile copy.
 * @module
 */
import type { AnyNode } from 'domhandler';
import type { Cheerio } from 'cheerio';
import { BadDateError, parseSiteDate } from '../../src/domain/dates.js';
import { docNumberFromTitle, docTypeFromTitle, stripAppendedDocNumber } from '../../src/domain/document.js';
import {
  absoluteUrl,
  attachmentLinks,
  blockText,
  type CheerioAPI,
  dedupeAttachments,
  inlineText,
  loadHtml,
  metaContent,
  readLabelledCells,
  truncationProblem,
} from '../lib/html.js';
import {
  type DetailResult,
  type ListItem,
  ListLayoutError,
  type ListPage,
  type ListRequest,
  type Source,
  type SourceColumn,
} from '../source.js';

const BASE = 'https://www.gov.cn';

/** Detail pages: /zhengce/content/YYYYMM/content_N.htm, /zhengce/zhengceku/YYYY-MM/DD/content_N.htm … */
const DETAIL_URL = /^https?:\/\/www\.gov\.cn\/zhengce\/(?:[a-z]+\/)*(?:\d{6}|\d{4}-\d{2}\/\d{2})\/content_\d+\.htm$/;

export const columns: SourceColumn[] = [
  {
    id: 'gwywj',
    nameZh: '国务院文件',
    first: { url: `${BASE}/zhengce/zhengceku/gwywj/TONGYONGGAILAN.json`, expect: 'json' },
  },
  {
    id: 'bmwj',
    nameZh: '国务院部门文件',
    first: { url: `${BASE}/zhengce/zhengceku/bmwj/TONGYONGGAILAN.json`, expect: 'json' },
  },
];

interface FeedItem {
  TITLE?: unknown;
  SUB_TITLE?: unknown;
  URL?: unknown;
  DOCRELPUBTIME?: unknown;
}

/**
 * Parses a `TONGYONGGAILAN.json` feed.
 * @throws {ListLayoutError} when the body is not a JSON array of feed items.
 */
export function parseList(body: string, request: ListRequest, column: SourceColumn): ListPage {
  let data: unknown;
  try {
    data = JSON.parse(body.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ListLayoutError(`${request.url}: not JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(data)) throw new ListLayoutError(`${request.url}: expected a JSON array of items`);
  const items: ListItem[] = [];
  for (const raw of data as FeedItem[]) {
    if (!raw || typeof raw !== 'object' || typeof raw.URL !== 'string') continue;
    const url = absoluteUrl(raw.URL, request.url);
    if (!url) continue;
    const title = typeof raw.TITLE === 'string' && raw.TITLE.trim() ? raw.TITLE.trim() : null;
    let date: string | null = null;
    if (typeof raw.DOCRELPUBTIME === 'string') {
      try {
        date = parseSiteDate(raw.DOCRELPUBTIME);
      } catch {
        date = null; // the detail page has its own dates; a bad list date loses nothing
      }
    }
    items.push({ url: canonicalUrl(url), column: column.id, title, date });
  }
  if (data.length > 0 && items.length === 0) {
    throw new ListLayoutError(`${request.url}: ${data.length} entries but none has a URL (feed format changed?)`);
  }
  return { items, next: null };
}

/** gov.cn serves the same page over http and https; the canonical form is https. */
export function canonicalUrl(url: string): string {
  return url.replace(/^http:\/\/www\.gov\.cn\//, 'https://www.gov.cn/');
}

function findMetadataTable($: CheerioAPI): Cheerio<AnyNode> | null {
  const candidates = [
    $('div.policyLibraryOverview_header table').first(),
    $('table.bd1'),
    $('div.pctoubukuang1 table').first(),
  ];
  for (const table of candidates) {
    if (table.length && /发文机关|成文日期|发文字号/u.test(table.text())) return table;
  }
  return null;
}

function firstText(...values: Array<string | null | undefined>): string | null {
  for (const v of values) {
    const t = v?.replace(/\s+/g, ' ').trim();
    if (t) return t;
  }
  return null;
}

/** The `<title>` is `<标题>_<栏目>_中国政府网`. */
function titleFromDocumentTitle($: CheerioAPI): string | null {
  const full = $('head > title').first().text().trim();
  if (!full) return null;
  const cut = full.replace(/_中国政府网$/u, '').split('_')[0]?.trim();
  return cut || null;
}

/** Parses a detail page. Pure: no network, no registry. */
export function parseDetail(html: string, url: string, item?: ListItem): DetailResult {
  const truncated = truncationProblem(html);
  if (truncated) return { ok: false, problem: { code: 'truncated', message: truncated } };
  const $ = loadHtml(html);
  const warnings: string[] = [];

  const table = findMetadataTable($);
  const fields = table ? readLabelledCells($, table) : new Map<string, string>();
  const field = (label: string) => fields.get(label)?.trim() || null;

  const newsDateLine = inlineText($, $('div.pages-date').first());
  const rawTitle = firstText(
    field('标题'),
    metaContent($, 'ArticleTitle'),
    $('div.share-title').first().text(),
    $('div.article h1').first().text(),
    $('h1').first().text(),
    titleFromDocumentTitle($),
  );
  if (!rawTitle) {
    return { ok: false, problem: { code: 'no_title', message: 'no title in the metadata table, <h1>, share-title or <title>' } };
  }

  const body = $('#UCAP-CONTENT').first();
  const bodyRoot = body.length ? body : $('div.pages_content').first();
  if (!bodyRoot.length) {
    return { ok: false, problem: { code: 'no_body', message: 'no body container (#UCAP-CONTENT or div.pages_content)' } };
  }
  const bodyText = blockText($, bodyRoot);

  const date = (label: string, value: string | null): string | null => {
    try {
      return parseSiteDate(value);
    } catch (error) {
      if (error instanceof BadDateError) warnings.push(`${label} ${error.message}; stored as unknown`);
      return null;
    }
  };
  const writtenDate = date('成文日期', field('成文日期'));
  const publishedDate =
    date('发布日期', field('发布日期')) ??
    date('meta firstpublishedtime', metaContent($, 'firstpublishedtime')) ??
    date('pages-date', /\d{4}-\d{1,2}-\d{1,2}/.exec(newsDateLine)?.[0] ?? null) ??
    item?.date ??
    null;

  const titleZh = stripAppendedDocNumber(rawTitle);
  const docNumber = field('发文字号') ?? docNumberFromTitle(rawTitle);
  const docType = field('公文种类') ?? docTypeFromTitle(rawTitle);
  const origin = field('来源') ?? (/来源[：:]\s*(\S+)/u.exec(newsDateLine)?.[1] ?? null);

  // Attachments: links in the body, plus this document's files linked elsewhere on the page
  // (the library puts `/…/<N>/files/<hex>.docx` in a block after the body).
  const fromBody = attachmentLinks($, bodyRoot, url);
  const elsewhere = attachmentLinks($, $('body'), url, (link) => /\/files\//.test(link) || isSameFolder(link, url));

  return {
    ok: true,
    warnings,
    notice: {
      url,
      titleZh,
      docNumber,
      docType,
      issuerNames: splitIssuers(field('发文机关')),
      writtenDate,
      publishedDate,
      effectiveDate: null,
      topicZh: field('主题分类'),
      indexNumber: field('索引号'),
      origin,
      validity: field('有效性'),
      bodyText,
      bodyHtml: bodyRoot.html(),
      attachments: dedupeAttachments([...fromBody, ...elsewhere]),
    },
  };
}

function splitIssuers(value: string | null): string[] {
  return value ? value.split(/[\s\u3000、，,；;]+/u).filter(Boolean) : [];
}

/** `./P020200709….pdf` files sit in the page's own folder. */
function isSameFolder(link: string, pageUrl: string): boolean {
  const folder = pageUrl.slice(0, pageUrl.lastIndexOf('/') + 1);
  return link.startsWith(folder) && !link.slice(folder.length).includes('/');
}

export function isDetailUrl(url: string): boolean {
  return DETAIL_URL.test(url);
}

export const source: Source = {
  id: 'gov-cn',
  nameZh: '中国政府网 国务院政策文件库',
  nameKo: '중국정부망 국무원 정책문건고',
  nameEn: 'State Council Policy Document Library (www.gov.cn)',
  baseUrl: BASE,
  // hourly at :07, 08:00–20:00 Beijing time on working days
  schedule: '7 8-20 * * 1-5',
  cadenceDays: 3,
  columns,
  parseList,
  parseDetail,
  isDetailUrl,
};

export default source;
