/**
 * `ndrc` — the National Development and Reform Commission (国家发展和改革委员会, www.ndrc.gov.cn), a TRS site.
 *
 * Policy columns under `/xxgk/zcfb/`: 通知 `tz`, 规范性文件 `ghxwj`, 公告 `gg`, 发展改革委令 `fzggwl`.
 * Each is a static HTML list paged `index.html`, `index_1.html` … with the page count in
 * `createPageHTML(total, current, "index", "html")`; rows `ul.u-list > li` → `a[href][title]` (the title
 * attribute is the full title, usually with the 文号) + `span` date `YYYY/MM/DD`. Rows linking to
 * 政策解读 (`/xxgk/jd/jd/…`), to attachments or to other hosts are dropped.
 *
 * Detail pages `/xxgk/zcfb/<col>/YYYYMM/tYYYYMMDD_N.html`: meta `ArticleTitle` (title with the 文号 in
 * parentheses: `…的通知（发改价格〔2020〕994号）`), `PubDate` (`YYYY-MM-DD HH:mm:ss`), `ContentSource`
 * (the department that posted it, e.g. 价格司 — never the issuer); body `div.TRS_Editor` (fallback
 * `div.article_con`); attachments in the body, `table.enclosure` / `div.attachment`, or files of the
 * page's folder. There is no metadata table: the 文号 comes from the title, the issuers from the title's
 * opening before 关于 when it names bodies (joint issuance) and otherwise are the commission itself,
 * the 成文日期 from the date under the signature.
 * @module
 */
import type { AnyNode } from 'domhandler';
import type { Cheerio } from 'cheerio';
import { BadDateError, parseSiteDate, tryParseSiteDate } from '../../src/domain/dates.js';
import { docNumberFromTitle, docTypeFromTitle, normalizeDocNumber, stripAppendedDocNumber } from '../../src/domain/document.js';
import {
  absoluteUrl,
  attachmentLinks,
  blockText,
  type CheerioAPI,
  dedupeAttachments,
  inlineText,
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
  type ParseProblemCode,
  type Source,
  type SourceColumn,
} from '../source.js';
import {
  challengeProblem,
  findSignature,
  firstText,
  isSameFolder,
  issuersFromTitle,
  labelledValue,
  segmentedText,
  issuersWithSignature,
  leadingDocNumber,
  listPageIndex,
  listPageUrl,
  listPaging,
} from '../lib/trs-page.js';

const BASE = 'https://www.ndrc.gov.cn';
/** The issuer of an NDRC page whose title names no issuing bodies. */
export const SITE_BODY = '国家发展改革委';

/** `/xxgk/zcfb/tz/202006/t20200628_1232229.html` (some pages end `_ext.html`); not the 解读 column `jd`. */
const DETAIL_URL = /^https:\/\/www\.ndrc\.gov\.cn\/xxgk\/zcfb\/(?!jd\/)[a-z]+\/\d{6}\/t\d{8}_\d+(?:_ext)?\.html$/;

export const columns: SourceColumn[] = [
  { id: 'tz', nameZh: '通知', first: { url: `${BASE}/xxgk/zcfb/tz/`, expect: 'html' } },
  { id: 'ghxwj', nameZh: '规范性文件', first: { url: `${BASE}/xxgk/zcfb/ghxwj/`, expect: 'html' } },
  { id: 'gg', nameZh: '公告', first: { url: `${BASE}/xxgk/zcfb/gg/`, expect: 'html' } },
  { id: 'fzggwl', nameZh: '发展改革委令', first: { url: `${BASE}/xxgk/zcfb/fzggwl/`, expect: 'html' } },
];

/** The type a column's documents have when the title does not say (`中华人民共和国国家发展和改革委员会令 第N号`). */
const COLUMN_DOC_TYPE: Record<string, string> = { gg: '公告', fzggwl: '令' };

/** NDRC serves pages over http and https, with and without `www.`; the canonical form is https://www. */
export function canonicalUrl(url: string): string {
  return url.replace(/^https?:\/\/(?:www\.)?ndrc\.gov\.cn\//i, `${BASE}/`).replace(/#.*$/, '');
}

export function isDetailUrl(url: string): boolean {
  return DETAIL_URL.test(canonicalUrl(url));
}

// ---------------------------------------------------------------------------------------------
// Lists
// ---------------------------------------------------------------------------------------------

const LIST_DATE = /\d{4}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{1,2}/;

/**
 * Parses one list page of a column.
 * @throws {ListLayoutError} when the page is not an NDRC list (no `ul.u-list`, a challenge page,
 *   or rows none of which has a link).
 */
export function parseList(body: string, request: ListRequest, column: SourceColumn): ListPage {
  const challenge = challengeProblem(body);
  if (challenge) throw new ListLayoutError(`${request.url}: ${challenge}`);
  const $ = loadHtml(body);
  const list = $('ul.u-list');
  if (!list.length) {
    const title = $('title').first().text().trim();
    throw new ListLayoutError(
      `${request.url}: no ul.u-list — not an NDRC list page${title ? ` ("${title}")` : ''}; maintenance page or changed layout?`,
    );
  }
  const rows = list.children('li').toArray().filter((li) => $(li).text().trim() || $(li).find('a').length);
  if (rows.length > 0 && rows.every((li) => !$(li).find('a[href]').length)) {
    throw new ListLayoutError(`${request.url}: ${rows.length} list rows but none has a link (row markup changed?)`);
  }
  const items: ListItem[] = [];
  const seen = new Set<string>();
  for (const li of rows) {
    const a = $(li).find('a[href]').first();
    const resolved = absoluteUrl(a.attr('href'), request.url);
    if (!resolved) continue;
    const url = canonicalUrl(resolved);
    if (!isDetailUrl(url) || seen.has(url)) continue; // 解读 cross-links, attachments, other hosts
    seen.add(url);
    const title = firstText(a.attr('title'), inlineText($, a));
    const dateText = firstText($(li).children('span').last().text(), LIST_DATE.exec($(li).text())?.[0]);
    items.push({
      url,
      column: column.id,
      title,
      date: tryParseSiteDate(dateText),
      docNumber: title ? docNumberFromTitle(title) : null,
    });
  }
  return { items, next: nextPage(body, request) };
}

function nextPage(body: string, request: ListRequest): ListRequest | null {
  const paging = listPaging(body);
  const index = listPageIndex(request.url) ?? paging?.current ?? null;
  if (!paging || index === null || index + 1 >= paging.total) return null;
  return { url: listPageUrl(request.url, index + 1), expect: 'html' };
}

// ---------------------------------------------------------------------------------------------
// Detail pages
// ---------------------------------------------------------------------------------------------

/** `中华人民共和国国家发展和改革委员会令（第31号）`, `…公告（2023年第1号）`: the number in parentheses. */
const ORDER_NUMBER = /[（(]\s*((?:\d{4}\s*年\s*)?第\s*\d+\s*号)\s*[）)]\s*$/u;

function findBody($: CheerioAPI): Cheerio<AnyNode> | null {
  for (const selector of ['div.TRS_Editor', 'div.article_con', 'div.trs_editor_view', '#zoom', '#Zoom']) {
    const el = $(selector).first();
    if (el.length) return el;
  }
  return null;
}

/** The `<title>` is `<标题>_国家发展和改革委员会`. */
function titleFromDocumentTitle($: CheerioAPI): string | null {
  const full = $('head > title').first().text().trim();
  if (!full || /^(404|页面不存在|页面未找到)/u.test(full)) return null;
  return full.replace(/[_-]\s*(中华人民共和国)?国家发展和改革委员会.*$/u, '').trim() || null;
}

function columnOf(url: string): string | null {
  return /\/xxgk\/zcfb\/([a-z]+)\//.exec(url)?.[1] ?? null;
}

const problem = (code: ParseProblemCode, message: string): DetailResult => ({ ok: false, problem: { code, message } });

/** Parses a detail page. Pure: no network, no registry; never throws. */
export function parseDetail(html: string, url: string, item?: ListItem): DetailResult {
  try {
    return readDetail(html, url, item);
  } catch (error) {
    return problem('malformed', `unreadable page: ${(error as Error).message}`);
  }
}

function readDetail(html: string, url: string, item?: ListItem): DetailResult {
  const truncated = truncationProblem(html);
  if (truncated) return problem('truncated', truncated);
  const challenge = challengeProblem(html);
  if (challenge) return problem('challenge', challenge);
  const $ = loadHtml(html);
  const warnings: string[] = [];

  const rawTitle = firstText(
    metaContent($, 'ArticleTitle'),
    $('div.article_title h2, div.article_title h1').first().text(),
    $('div.article h2, div.article h1').first().text(),
    titleFromDocumentTitle($),
    item?.title,
  );
  if (!rawTitle) return problem('no_title', 'no title in the ArticleTitle meta, div.article_title or <title>');

  const body = findBody($);
  if (!body) {
    if ($('ul.u-list').length) return problem('not_a_notice', 'a list page, not a notice');
    if (/页面不存在|页面未找到|404 Not Found/u.test($('body').text())) return problem('not_a_notice', 'the site’s “page not found” page');
    return problem('no_body', 'no body container (div.TRS_Editor, div.article_con)');
  }
  const bodyText = blockText($, body);
  const lines = bodyText.split('\n');
  const attachments = dedupeAttachments([
    ...attachmentLinks($, body, url),
    ...attachmentLinks($, $('table.enclosure, div.attachment'), url),
    ...attachmentLinks($, $('body'), url, (link) => isSameFolder(link, url)),
  ]);
  if (!bodyText && attachments.length === 0) return problem('no_body', 'the body container is empty');

  const date = (label: string, value: string | null): string | null => {
    try {
      return parseSiteDate(value);
    } catch (error) {
      if (error instanceof BadDateError) warnings.push(`${label} ${error.message}; stored as unknown`);
      return null;
    }
  };

  const dateLine = segmentedText($, $('div.ly, div.article_time, div.time').first());
  const publishedDate =
    date('PubDate', metaContent($, 'PubDate')) ??
    date('发布时间', /发布(?:时间|日期)[：:]\s*(\d{4}[/.-]\d{1,2}[/.-]\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日)/u.exec(dateLine)?.[1] ?? null) ??
    item?.date ??
    null;
  const signature = findSignature(lines);
  const writtenDate = date('signature date', signature?.dateText ?? null);

  // The 文号 is in the title: `…的通知（发改价格〔2020〕994号）`, or `…令（第31号）` for orders.
  const order = ORDER_NUMBER.exec(rawTitle);
  const titleZh = stripAppendedDocNumber(rawTitle).replace(ORDER_NUMBER, '').trim();
  const docNumber =
    docNumberFromTitle(rawTitle) ?? (order ? normalizeDocNumber(order[1]!) : null) ?? leadingDocNumber(lines) ?? item?.docNumber ?? null;

  const fromTitle = issuersFromTitle(titleZh);
  const issuerNames = fromTitle ? issuersWithSignature(fromTitle, lines, warnings) : [SITE_BODY];

  const column = columnOf(url);
  return {
    ok: true,
    warnings,
    notice: {
      url,
      titleZh,
      docNumber,
      docType: docTypeFromTitle(titleZh) ?? (column ? (COLUMN_DOC_TYPE[column] ?? null) : null),
      issuerNames,
      writtenDate,
      publishedDate,
      effectiveDate: null,
      topicZh: null,
      indexNumber: null,
      origin: firstText(metaContent($, 'ContentSource'), labelledValue(dateLine, /来源/)),
      validity: null,
      bodyText,
      bodyHtml: body.html(),
      attachments,
    },
  };
}

export const source: Source = {
  id: 'ndrc',
  nameZh: '国家发展和改革委员会',
  nameKo: '국가발전개혁위원회',
  nameEn: 'National Development and Reform Commission (www.ndrc.gov.cn)',
  baseUrl: BASE,
  // every two hours at :41, 08:00–20:00 Beijing time on working days (gov-cn runs at :07, most at :19)
  schedule: '41 8-20/2 * * 1-5',
  cadenceDays: 7,
  columns,
  parseList,
  parseDetail,
  isDetailUrl,
};

export default source;
