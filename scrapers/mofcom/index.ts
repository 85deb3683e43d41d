/**
 * `mofcom` — 中华人民共和国商务部 (Ministry of Commerce), www.mofcom.gov.cn.
 *
 * Discovery reads two HTML lists:
 * - 政策发布 (`/zcfb/index.html`, then `index_2.html`, `index_3.html` …): rows
 *   `ul.policy-list.f-mt20 > li` = the notice link + `span` date; a row may carry a second link to
 *   its 政策解读, which is not a notice; rows that are only a 解读, a file or an external link are
 *   dropped. The next page is the pager's 下一页 link, else `index_<n+1>.html` while the page says
 *   it has more (`共N页`, `pageCount`).
 * - the legacy 政务公开 list (`/article/b/`): rows `.txtList_01 li` (`a[title]` + `span` date
 *   `YYYY-MM-DD[ HH:mm:ss]`, separator rows `li.listline`). Some legacy entries are only a
 *   JavaScript redirect (`window.location.href='…'`, `_cofing1={href:"…"}`) to the new page.
 *
 * Detail pages (`/zcfb/<sub>/art/YYYY/art_<32hex>.html`; legacy `/article/…/YYYYMM/<id>.shtml`):
 * CMS meta `ArticleTitle`, `PubDate` (`YYYY-MM-DD HH:mm`), `ContentSource`, `SiteName`; body
 * `div.art-con.art-con-bottonmLine` (legacy `div.art-con`). The body opens with labelled lines,
 * read by label wherever they sit in the first lines: 发布单位, 发布文号, 发文日期 (`YYYY年M月D日`),
 * written `发文日期：…` or `【发文日期】…`, one per line or several on one line, or as table cells.
 * Those lines are metadata, not text, and are left out of the body text.
 * @module
 */
import type { AnyNode } from 'domhandler';
import type { Cheerio } from 'cheerio';
import { BadDateError, parseSiteDate } from '../../src/domain/dates.js';
import { docNumberFromTitle, docTypeFromTitle, normalizeDocNumber, stripAppendedDocNumber } from '../../src/domain/document.js';
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

const BASE = 'https://www.mofcom.gov.cn';
/** The ministry itself: the issuer of a page that names no other. */
const SITE_BODY = '商务部';

/** Current 政策发布 detail pages: `/zcfb/<sub>/art/YYYY/art_<32hex>.html`. */
const ZCFB_DETAIL = /^https:\/\/www\.mofcom\.gov\.cn\/zcfb\/[a-z0-9]+(?:\/[a-z0-9]+)*\/art\/\d{4}\/art_[0-9a-f]{32}\.html$/;
/** Legacy detail pages: `/article/<path>/YYYYMM/YYYYMM<digits>.shtml`. */
const LEGACY_DETAIL = /^https:\/\/www\.mofcom\.gov\.cn\/article\/[a-z0-9]+(?:\/[a-z0-9]+)*\/\d{6}\/\d{12,16}\.shtml$/;

export const columns: SourceColumn[] = [
  {
    id: 'zcfb',
    nameZh: '政策发布',
    first: { url: `${BASE}/zcfb/index.html`, expect: 'html' },
  },
  {
    id: 'article-b',
    nameZh: '政策发布（旧版政务公开栏目）',
    first: { url: `${BASE}/article/b/`, expect: 'html' },
  },
];

/** mofcom.gov.cn answers on http and https and with or without `www.`; the canonical form is https://www. */
export function canonicalUrl(url: string): string {
  return url.replace(/^https?:\/\/(?:www\.)?mofcom\.gov\.cn(?=[/:]|$)(?::80|:443)?/i, BASE);
}

export function isDetailUrl(url: string): boolean {
  return ZCFB_DETAIL.test(url) || LEGACY_DETAIL.test(url);
}

// ---------------------------------------------------------------------------------------------
// Lists
// ---------------------------------------------------------------------------------------------

const LIST_DATE = /(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})/;
/** A link to commentary rather than to the document (`《…》政策解读`, `政策解读`, `图解：…`). */
const JIEDU = /(?:解读|答记者问|一图读懂|图解)\s*$|^\s*(?:图解|解读|一图读懂|政策解读)/u;

function listDate(text: string): string | null {
  const m = LIST_DATE.exec(text);
  if (!m) return null;
  try {
    return parseSiteDate(`${m[1]}-${m[2]}-${m[3]}`);
  } catch {
    return null; // the detail page has its own dates
  }
}

/** The notice link of a list row: the first link to a detail page that is not a 解读 link. */
function rowItem($: CheerioAPI, row: Cheerio<AnyNode>, request: ListRequest, column: SourceColumn): ListItem | null {
  for (const a of row.find('a[href]').toArray()) {
    const link = $(a);
    const href = absoluteUrl(link.attr('href'), request.url);
    if (!href) continue;
    const url = canonicalUrl(href);
    const title = (link.attr('title')?.trim() || inlineText($, link)).trim();
    if (!isDetailUrl(url) || isAttachmentUrl(url)) continue;
    if (JIEDU.test(title)) continue;
    const dateText = inlineText($, row.find('span').last()) || link.attr('title') || '';
    return { url, column: column.id, title: title || null, date: listDate(dateText) };
  }
  return null;
}

/** The next list page: the pager's 下一页 link, else `index_<n+1>.html` while the page says there are more. */
function nextPage($: CheerioAPI, html: string, request: ListRequest): ListRequest | null {
  for (const a of $('a').toArray()) {
    const link = $(a);
    if (inlineText($, link).replace(/\s+/g, '') !== '下一页') continue;
    const href = absoluteUrl(link.attr('href'), request.url);
    if (href && href !== request.url && !isAttachmentUrl(href)) return { url: canonicalUrl(href), expect: 'html' };
  }
  const total = Number(/共\s*(\d+)\s*页/u.exec(html)?.[1] ?? /\b(?:pageCount|countPage|totalPage)\s*[:=]\s*["']?(\d+)/.exec(html)?.[1] ?? NaN);
  const m = /\/index(?:_(\d+))?\.html$/.exec(new URL(request.url).pathname);
  if (!m || !Number.isFinite(total)) return null;
  const current = m[1] ? Number(m[1]) : 1;
  if (current >= total) return null;
  return { url: new URL(`index_${current + 1}.html`, request.url).toString(), expect: 'html' };
}

/**
 * Parses a 政策发布 list page or a legacy `/article/` list page.
 * @throws {ListLayoutError} when the page is neither (maintenance page, changed template).
 */
export function parseList(body: string, request: ListRequest, column: SourceColumn): ListPage {
  const $ = loadHtml(body);
  const policyRows = $('ul.policy-list > li');
  const legacyRows = $('.txtList_01 li').not('.listline');
  if (!policyRows.length && !legacyRows.length) {
    const hint = inlineText($, $('title').first()) || inlineText($, $('body')).slice(0, 60);
    throw new ListLayoutError(
      `${request.url}: no list rows (ul.policy-list > li or .txtList_01 li) — not a MOFCOM list page${hint ? ` ("${hint}")` : ''}`,
    );
  }
  const rows = policyRows.length ? policyRows : legacyRows;
  const items: ListItem[] = [];
  const seen = new Set<string>();
  rows.each((_, li) => {
    const item = rowItem($, $(li), request, column);
    if (item && !seen.has(item.url)) {
      seen.add(item.url);
      items.push(item);
    }
  });
  return { items, next: nextPage($, body, request) };
}

// ---------------------------------------------------------------------------------------------
// Detail pages
// ---------------------------------------------------------------------------------------------

/** Labels of the metadata lines at the top of a body, longest first. */
const LABELS = ['发布单位', '发文单位', '发文机关', '发布机构', '发布文号', '发文字号', '发文日期', '成文日期', '发布日期', '效力状态', '时效性', '有效性', '文号'];
const LABEL_TOKEN = new RegExp(`(?:【\\s*(${LABELS.join('|')})\\s*】\\s*[：:]?|(${LABELS.join('|')})\\s*[：:])`, 'gu');

/**
 * Reads a line made of `label：value` (or `【label】value`) pairs.
 * @returns the pairs, or null when the line does not start with a label.
 */
export function labelledLine(line: string): Array<[string, string]> | null {
  const text = line.trim();
  const tokens = [...text.matchAll(LABEL_TOKEN)];
  if (!tokens.length || tokens[0]!.index !== 0) return null;
  return tokens.map((t, i) => {
    const start = t.index! + t[0].length;
    const end = i + 1 < tokens.length ? tokens[i + 1]!.index! : text.length;
    return [(t[1] ?? t[2])!, text.slice(start, end).trim()];
  });
}

/** Splits the body's metadata lines (within its first lines) from the text. */
function splitHeader(lines: string[]): { fields: Map<string, string>; text: string[] } {
  const fields = new Map<string, string>();
  const text: string[] = [];
  lines.forEach((line, i) => {
    const pairs = i < 8 ? labelledLine(line) : null;
    if (!pairs) {
      text.push(line);
      return;
    }
    for (const [label, value] of pairs) if (value && !fields.has(label)) fields.set(label, value);
  });
  return { fields, text };
}

const DATE_ONLY = /^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$/u;
const SPACES = /[\s\u3000\u00a0]+/gu;

/**
 * The signature block: the short lines right above the first line that is only a date
 * (`国务院关税税则委员会` / `2020年5月12日`), spaces removed (`国 家 数 据 局` → `国家数据局`).
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

/** The parts of a title before 关于 when they name bodies: `财政部 税务总局关于…` → [财政部, 税务总局]. */
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

function splitIssuers(value: string | null): string[] {
  return value ? value.split(/[\s\u3000、，,；;]+/u).filter(Boolean) : [];
}

/** A legacy page that only sends the browser on: `window.location.href='…'` or `_cofing1={href:"…"}`. */
function jsRedirect(html: string): string | null {
  const m =
    /window\.location(?:\.href)?\s*=\s*["']([^"']+)["']/.exec(html) ??
    /location\.replace\(\s*["']([^"']+)["']\s*\)/.exec(html) ??
    /_cofing1\s*=\s*\{\s*href\s*:\s*["']([^"']+)["']/.exec(html);
  return m ? m[1]! : null;
}

/** The `<title>` without the site suffix (`…_政策发布_中华人民共和国商务部`). */
function titleFromDocumentTitle($: CheerioAPI): string | null {
  const full = inlineText($, $('head > title').first());
  if (!full) return null;
  const cut = full.replace(/[_|-]\s*(?:中华人民共和国)?商务部(?:网站)?$/u, '').split(/_/u)[0]?.trim();
  return cut || null;
}

function firstText(...values: Array<string | null | undefined>): string | null {
  for (const v of values) {
    const t = v?.replace(SPACES, ' ').trim();
    if (t) return t;
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
  const $ = loadHtml(html);
  const bodyRoot = [$('div.art-con.art-con-bottonmLine').first(), $('div.art-con').first(), $('div.textlive').first()].find((b) => b.length);

  const redirect = jsRedirect(html);
  if (redirect && !bodyRoot && !metaContent($, 'ArticleTitle')) {
    const target = absoluteUrl(redirect, url);
    return {
      ok: false,
      problem: { code: 'not_a_notice', message: `the page only redirects (JavaScript) to ${target ? canonicalUrl(target) : redirect}` },
    };
  }
  const truncated = truncationProblem(html);
  if (truncated) return { ok: false, problem: { code: 'truncated', message: truncated } };

  const rawTitle = firstText(
    metaContent($, 'ArticleTitle'),
    inlineText($, $('.art-title h1, div.art-title, h1.art-title').first()),
    inlineText($, $('h1').first()),
    titleFromDocumentTitle($),
    item?.title,
  );
  if (!rawTitle) {
    return { ok: false, problem: { code: 'no_title', message: 'no title in meta ArticleTitle, .art-title, <h1> or <title>' } };
  }
  if (!bodyRoot) {
    return { ok: false, problem: { code: 'no_body', message: 'no body container (div.art-con.art-con-bottonmLine or div.art-con)' } };
  }

  const allLines = blockText($, bodyRoot).split('\n');
  const { fields, text } = splitHeader(allLines);
  // some pages put the same labels in a small table instead of lines
  bodyRoot.find('table').each((_, t) => {
    for (const [k, v] of readLabelledCells($, $(t))) if (LABELS.includes(k) && v && !fields.has(k)) fields.set(k, v);
  });
  const field = (...labels: string[]) => {
    for (const l of labels) {
      const v = fields.get(l)?.trim();
      if (v) return v;
    }
    return null;
  };
  const bodyText = text.join('\n');
  if (!bodyText.trim()) {
    const iframe = bodyRoot.find('iframe[src]').attr('src');
    return {
      ok: false,
      problem: { code: 'no_body', message: iframe ? `the body is an iframe (${absoluteUrl(iframe, url) ?? iframe})` : 'the body container is empty' },
    };
  }

  const warnings: string[] = [];
  const date = (label: string, value: string | null): string | null => {
    try {
      return parseSiteDate(value);
    } catch (error) {
      if (error instanceof BadDateError) warnings.push(`${label} ${error.message}; stored as unknown`);
      return null;
    }
  };
  const sig = signature(text);
  const writtenLabel = field('发文日期') !== null ? '发文日期' : field('成文日期') !== null ? '成文日期' : null;
  const writtenDate = writtenLabel ? date(writtenLabel, field(writtenLabel)) : date('落款日期', sig.date);
  const infoLine = inlineText($, $('.art-info, .art-time, .artInfo').first());
  const publishedDate =
    date('meta PubDate', metaContent($, 'PubDate')) ??
    date('发布日期', field('发布日期')) ??
    date('发布时间', /\d{4}-\d{1,2}-\d{1,2}/.exec(infoLine)?.[0] ?? null) ??
    item?.date ??
    null;

  const titleZh = stripAppendedDocNumber(rawTitle);
  const numberField = field('发布文号', '发文字号', '文号');
  const docNumber = numberField ? normalizeDocNumber(numberField) : docNumberFromTitle(rawTitle);

  let issuerNames = splitIssuers(field('发布单位', '发文单位', '发文机关', '发布机构'));
  if (!issuerNames.length) {
    const fromTitle = titleIssuers(titleZh);
    issuerNames = fromTitle.others && sig.names.length > fromTitle.names.length ? sig.names : fromTitle.names;
  }
  if (!issuerNames.length) issuerNames = [SITE_BODY];

  const origin = metaContent($, 'ContentSource') ?? (/来源[：:]\s*(\S+)/u.exec(infoLine)?.[1] ?? null);

  // attachments: links in the body, and this page's files (same folder) linked elsewhere on the page
  const folder = url.slice(0, url.lastIndexOf('/') + 1);
  const fromBody = attachmentLinks($, bodyRoot, url);
  const elsewhere = attachmentLinks($, $('body'), url, (link) => link.startsWith(folder));

  return {
    ok: true,
    warnings,
    notice: {
      url,
      titleZh,
      docNumber,
      docType: docTypeFromTitle(rawTitle),
      issuerNames,
      writtenDate,
      publishedDate,
      effectiveDate: null,
      topicZh: null,
      indexNumber: null,
      origin,
      validity: field('效力状态', '时效性', '有效性'),
      bodyText,
      bodyHtml: bodyRoot.html(),
      attachments: dedupeAttachments([...fromBody, ...elsewhere]),
    },
  };
}

export const source: Source = {
  id: 'mofcom',
  nameZh: '中华人民共和国商务部 政策发布',
  nameKo: '중국 상무부 정책 발표',
  nameEn: 'Ministry of Commerce (MOFCOM) policy releases',
  baseUrl: BASE,
  // at :23 past 08:00–20:00 Beijing time on working days (gov-cn runs at :07)
  schedule: '23 8-20 * * 1-5',
  cadenceDays: 7,
  columns,
  parseList,
  parseDetail,
  isDetailUrl,
};

export default source;
