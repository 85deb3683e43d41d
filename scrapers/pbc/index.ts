/**
 * `pbc` — 中国人民银行 (People's Bank of China), www.pbc.gov.cn: the 条法司 (Department of Treaty and
 * Law) lists of 规范性文件 (`/tiaofasi/144941/3581332/`) and 规章 (`/tiaofasi/144941/144957/`).
 *
 * Lists are table-based pages (first page `<column>/index.html`): each row `<td><font class="newslist_style"><a href title>…</a></font>
 * <span class="hui12">YYYY-MM-DD</span></td>`; the link text is cut to ~38 characters (`…`), the
 * `title` attribute holds the whole title. Paging is a pager of `a.pagingNormal` links whose
 * `tagname` attribute carries the page path (`/tiaofasi/144941/3581332/3b3662a6/index2.html`; rebuilt
 * columns use `…/<n>-<page>.html`), and `td.Normal` says `current/total`.
 *
 * Detail pages (`/tiaofasi/144941/<column>/<id>/index.html`, id a 19-digit time stamp or, since
 * 2026, 7 digits): meta `ArticleTitle`, `PubDate` (`YYYY-MM-DD`), `ContentSource`; title also in
 * `<h2>`; date in `span#shijian` (`YYYY-MM-DD HH:mm:ss`) or a `.hui12` cell; body `#zoom` (research
 * pages: `div.xxy_text`); files under `/tiaofasi/144941/file/YYYYMM/P0….pdf`, often outside the
 * body. Older pages are GB2312 (decoded by the HTTP layer from `<meta charset>`).
 *
 * Plain HTTP clients may get the WZWS anti-bot challenge instead (HTTP 200: a small page whose
 * packed script sets `wzwstemplate`/`wzwschallenge` cookies and reloads `/WZWSREL…`); detail
 * parsing reports it as `challenge`, list parsing as a layout error naming it.
 * @module
 */
import type { AnyNode } from 'domhandler';
import type { Cheerio } from 'cheerio';
import { BadDateError, parseSiteDate } from '../../src/domain/dates.js';
import { docNumberFromTitle, docTypeFromTitle, normalizeDocNumber, stripAppendedDocNumber } from '../../src/domain/document.js';
import { detectChallenge } from '../lib/challenge.js';
import {
  absoluteUrl,
  attachmentLinks,
  blockText,
  type CheerioAPI,
  dedupeAttachments,
  inlineText,
  isAttachmentUrl,
  loadHtml,
  metaContent,
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

const BASE = 'https://www.pbc.gov.cn';
/** The bank itself: the issuer of a page whose title names no other body. */
const SITE_BODY = '中国人民银行';

/**
 * Detail pages: `/<dept>/<n>/<column>/<id>/index.html` with a 7+ digit article id; a 14+ digit
 * (time-stamp) id may sit deeper. Column pages have fewer segments or shorter ids.
 */
const DETAIL_URL = /^https:\/\/www\.pbc\.gov\.cn\/[a-z]+\/\d+\/\d+\/(?:\d{7,}|(?:\d+\/){0,3}\d{14,})\/index\.html$/;

export const columns: SourceColumn[] = [
  {
    id: 'tiaofasi-3581332',
    nameZh: '条法司 规范性文件',
    first: { url: `${BASE}/tiaofasi/144941/3581332/index.html`, expect: 'html' },
  },
  {
    id: 'tiaofasi-144957',
    nameZh: '条法司 规章',
    first: { url: `${BASE}/tiaofasi/144941/144957/index.html`, expect: 'html' },
  },
];

/** pbc.gov.cn answers on http and https and with or without `www.`; the canonical form is https://www. */
export function canonicalUrl(url: string): string {
  return url.replace(/^https?:\/\/(?:www\.)?pbc\.gov\.cn(?=[/:]|$)(?::80|:443)?/i, BASE);
}

export function isDetailUrl(url: string): boolean {
  return DETAIL_URL.test(url);
}

/**
 * The WZWS challenge page (served with HTTP 200): no content, a packed script with the WZWS markers.
 * @returns a description, or null when the page is not a challenge.
 */
export function wzwsChallenge(html: string): string | null {
  // a real page of the site (its meta, body or list container) is content, whatever scripts it carries
  const challenge = detectChallenge(html, /<meta[^>]+name=["']?ArticleTitle|id=["']?zoom["']?|newslist_style/i);
  if (!challenge) return null;
  const target = /\/WZWSREL[A-Za-z0-9+/=]*/.exec(html)?.[0];
  return `${challenge.message}${target ? ` (it reloads ${target})` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Lists
// ---------------------------------------------------------------------------------------------

const LIST_DATE = /(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})/;

function listDate(text: string): string | null {
  const m = LIST_DATE.exec(text);
  if (!m) return null;
  try {
    return parseSiteDate(`${m[1]}-${m[2]}-${m[3]}`);
  } catch {
    return null; // the detail page has its own dates
  }
}

/** The date next to a row's link: the `span.hui12` after the `<font>`, else any date in the cell. */
function rowDate($: CheerioAPI, font: Cheerio<AnyNode>): string | null {
  const span = font.nextAll('span.hui12').first();
  if (span.length) return listDate(inlineText($, span));
  const cell = font.closest('td, li, tr');
  return listDate(inlineText($, cell.length ? cell : font.parent()));
}

/** A path-like `tagname`/`href` of a pager link, resolved; null for placeholders and scripts. */
function pagerTarget(value: string | undefined, base: string): string | null {
  if (!value || !/^(?:https?:\/\/|\/|\.{0,2}\/?[\w-]+\.html?)/.test(value.trim())) return null;
  const url = absoluteUrl(value, base);
  return url ? canonicalUrl(url) : null;
}

/** The next list page from the pager: 下一页's target, else `index<n+1>.html` from `td.Normal` `n/total`. */
function nextPage($: CheerioAPI, request: ListRequest): ListRequest | null {
  const current = canonicalUrl(request.url);
  const pager = $('a.pagingNormal, a.pagingNormal1, td.Normal a, div.list_page a').toArray().map((a) => $(a));
  for (const link of pager) {
    if (inlineText($, link).replace(/\s+/g, '') !== '下一页') continue;
    const target = pagerTarget(link.attr('tagname'), request.url) ?? pagerTarget(link.attr('href'), request.url);
    if (target && target !== current) return { url: target, expect: 'html' };
  }
  const state = /(\d+)\s*\/\s*(\d+)/.exec(inlineText($, $('td.Normal, .Normal').first()));
  if (!state) return null;
  const [page, total] = [Number(state[1]), Number(state[2])];
  if (page >= total) return null;
  // numbered pages show the pattern (`…/3b3662a6/index2.html`, or `…/11040-2.html` on rebuilt
  // columns); the first page's own `index.html` does not
  const targets = pager
    .map((link) => pagerTarget(link.attr('tagname'), request.url) ?? pagerTarget(link.attr('href'), request.url))
    .filter((t): t is string => !!t && t !== current);
  for (const t of targets) {
    const m = /^(.*\/(?:index|\d+-))\d+\.html$/.exec(t);
    if (m) return { url: `${m[1]}${page + 1}.html`, expect: 'html' };
  }
  return null;
}

/**
 * Parses a 条法司 list page.
 * @throws {ListLayoutError} for the WZWS challenge or a page without list rows.
 */
export function parseList(body: string, request: ListRequest, column: SourceColumn): ListPage {
  const challenge = wzwsChallenge(body);
  if (challenge) throw new ListLayoutError(`${request.url}: ${challenge}`);
  const $ = loadHtml(body);
  const fonts = $('font.newslist_style');
  if (!fonts.length) {
    const hint = inlineText($, $('title').first()) || inlineText($, $('body')).slice(0, 60);
    throw new ListLayoutError(`${request.url}: no list rows (font.newslist_style a) — not a PBC list page${hint ? ` ("${hint}")` : ''}`);
  }
  const items: ListItem[] = [];
  const seen = new Set<string>();
  fonts.each((_, el) => {
    const font = $(el);
    const a = font.find('a[href]').first();
    const href = absoluteUrl(a.attr('href'), request.url);
    if (!href) return;
    const url = canonicalUrl(href);
    if (!isDetailUrl(url) || isAttachmentUrl(url) || seen.has(url)) return;
    seen.add(url);
    const title = (a.attr('title')?.trim() || inlineText($, a)).trim();
    items.push({ url, column: column.id, title: title || null, date: rowDate($, font) });
  });
  return { items, next: nextPage($, request) };
}

// ---------------------------------------------------------------------------------------------
// Detail pages
// ---------------------------------------------------------------------------------------------

const SPACES = /[\s\u3000\u00a0]+/gu;
const DATE_ONLY = /^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$/u;
/** A line that is only a 文号: `银发〔2020〕123号`, `财政部 税务总局公告2021年第34号`, `中国人民银行令〔2021〕第1号`. */
const DOC_NUMBER_LINE = /^[\p{Script=Han}\s]{1,40}(?:〔\s*\d{4}\s*〕|\[\s*\d{4}\s*\]|\d{4}\s*年)\s*第?\s*\d+\s*号$/u;

/**
 * The signature block: the short lines right above the first line that is only a date,
 * spaces removed (`国 家 数 据 局` → `国家数据局`).
 */
export function signature(lines: string[]): { names: string[]; date: string | null } {
  const at = lines.findIndex((l, i) => i > 0 && DATE_ONLY.test(l.trim()));
  if (at < 0) return { names: [], date: null };
  const names: string[] = [];
  for (let j = at - 1; j >= 0; j--) {
    const s = lines[j]!.replace(SPACES, '');
    if (!s || s.length > 20 || /[。：:，,；;、“”《》()（）\d]/u.test(s)) break;
    names.unshift(s);
  }
  return { names, date: lines[at]!.trim() };
}

/** The parts of a title before 关于 when they name bodies: `中国人民银行 国家外汇管理局关于…` → both. */
export function titleIssuers(title: string): { names: string[]; others: boolean } {
  const m = /^(.{2,80}?)关于/u.exec(title.trim());
  if (!m) return { names: [], others: false };
  let head = m[1]!.trim();
  const others = /等(?:[\d一二三四五六七八九十]+个?)?(?:部门|单位|部委)$/u.test(head);
  head = head.replace(/等(?:[\d一二三四五六七八九十]+个?)?(?:部门|单位|部委)$/u, '');
  const names = head.split(/[\s\u3000、，,]+/u).filter(Boolean);
  const isBody = (n: string) => /^[\p{Script=Han}（）()]{2,24}$/u.test(n) && !/[《》“”]/u.test(n);
  return names.length && names.every(isBody) ? { names, others } : { names: [], others: false };
}

function firstText(...values: Array<string | null | undefined>): string | null {
  for (const v of values) {
    const t = v?.replace(SPACES, ' ').trim();
    if (t) return t;
  }
  return null;
}

/** The page's date cell: `span#shijian`, else the first `.hui12` element that holds only a date (and time). */
function dateCell($: CheerioAPI): string | null {
  const shijian = inlineText($, $('#shijian').first());
  if (shijian) return shijian;
  for (const el of $('.hui12').toArray()) {
    const t = inlineText($, $(el));
    if (/^\d{4}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$/.test(t)) return t;
  }
  return null;
}

/** Parses a detail page. Pure: no network; never throws. */
export function parseDetail(html: string, url: string, item?: ListItem): DetailResult {
  try {
    return parseDetailUnsafe(html, url, item);
  } catch (error) {
    return { ok: false, problem: { code: 'malformed', message: `unreadable page: ${(error as Error).message}` } };
  }
}

function parseDetailUnsafe(html: string, url: string, item?: ListItem): DetailResult {
  const challenge = wzwsChallenge(html);
  if (challenge) return { ok: false, problem: { code: 'challenge', message: challenge } };
  const truncated = truncationProblem(html);
  if (truncated) return { ok: false, problem: { code: 'truncated', message: truncated } };
  const $ = loadHtml(html);

  const rawTitle = firstText(
    metaContent($, 'ArticleTitle'),
    inlineText($, $('#titlecontent h2, h2').first()),
    inlineText($, $('head > title').first()),
    item?.title,
  );
  if (!rawTitle) return { ok: false, problem: { code: 'no_title', message: 'no title in meta ArticleTitle, <h2> or <title>' } };

  const bodyRoot = [$('#zoom').first(), $('div.xxy_text').first()].find((b) => b.length);
  if (!bodyRoot) return { ok: false, problem: { code: 'no_body', message: 'no body container (#zoom or div.xxy_text)' } };
  let lines = blockText($, bodyRoot).split('\n').filter(Boolean);
  // a 文号 standing alone on the first line is the document's number, not its text
  let numberLine: string | null = null;
  if (lines[0] && DOC_NUMBER_LINE.test(lines[0].trim())) {
    numberLine = lines[0].trim();
    lines = lines.slice(1);
  }
  if (!lines.length) return { ok: false, problem: { code: 'no_body', message: 'the body container is empty' } };

  const warnings: string[] = [];
  const date = (label: string, value: string | null): string | null => {
    try {
      return parseSiteDate(value);
    } catch (error) {
      if (error instanceof BadDateError) warnings.push(`${label} ${error.message}; stored as unknown`);
      return null;
    }
  };
  const sig = signature(lines);
  const publishedDate = date('meta PubDate', metaContent($, 'PubDate')) ?? date('发布时间', dateCell($)) ?? item?.date ?? null;

  const titleZh = stripAppendedDocNumber(rawTitle);
  // a title that is itself a 文号 (`中国人民银行公告〔2020〕第5号`, `中国人民银行令〔2021〕第1号`)
  const titleIsNumber = DOC_NUMBER_LINE.test(titleZh);
  const docNumber =
    docNumberFromTitle(rawTitle) ?? (numberLine ? normalizeDocNumber(numberLine) : titleIsNumber ? normalizeDocNumber(titleZh) : null);
  const docType = docTypeFromTitle(rawTitle) ?? (titleIsNumber ? (/(公告|通告|令)\s*(?:〔|\[|\d{4})/u.exec(titleZh)?.[1] ?? null) : null);

  const fromTitle = titleIssuers(titleZh);
  let issuerNames = fromTitle.others && sig.names.length > fromTitle.names.length ? sig.names : fromTitle.names;
  if (!issuerNames.length) issuerNames = [SITE_BODY];

  const sourceCell = /文章来源[：:]\s*(\S+)/u.exec(inlineText($, $('body')))?.[1] ?? null;
  const origin = metaContent($, 'ContentSource') ?? sourceCell;

  // attachments: links in the body, and files of this page or of the department's file store elsewhere
  const folder = url.slice(0, url.lastIndexOf('/') + 1);
  const dept = /^https:\/\/www\.pbc\.gov\.cn\/[a-z]+\/\d+\//.exec(url)?.[0];
  const fromBody = attachmentLinks($, bodyRoot, url);
  const elsewhere = attachmentLinks($, $('body'), url, (link) => link.startsWith(folder) || (!!dept && link.startsWith(`${dept}file/`)));

  return {
    ok: true,
    warnings,
    notice: {
      url,
      titleZh,
      docNumber,
      docType,
      issuerNames,
      writtenDate: date('落款日期', sig.date),
      publishedDate,
      effectiveDate: null,
      topicZh: null,
      indexNumber: null,
      origin,
      validity: null,
      bodyText: lines.join('\n'),
      bodyHtml: bodyRoot.html(),
      attachments: dedupeAttachments([...fromBody, ...elsewhere]),
    },
  };
}

export const source: Source = {
  id: 'pbc',
  nameZh: '中国人民银行 条法司 规章和规范性文件',
  nameKo: '중국인민은행 조약법률사 규장·규범성 문건',
  nameEn: "People's Bank of China — rules and normative documents (Department of Treaty and Law)",
  baseUrl: BASE,
  // at :41 past 09:00–19:00 Beijing time on working days (gov-cn :07, mofcom :23)
  schedule: '41 9-19 * * 1-5',
  cadenceDays: 21,
  // plain clients get the WZWS JavaScript challenge (RSSHub reads PBC lists through Playwright)
  needsBrowser: true,
  columns,
  parseList,
  parseDetail,
  isDetailUrl,
};

export default source;
