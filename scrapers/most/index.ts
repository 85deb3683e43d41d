/**
 * `most` — the Ministry of Science and Technology (中华人民共和国科学技术部, www.most.gov.cn), a TRS site.
 *
 * Columns, each a static HTML list paged `index.html`, `index_1.html` … (the page count is in a
 * paging script, `pagination_script_config.total`):
 * - 通知通告 `tztg`: rows `ul.info_list2 > li` (`a[title]` + `span.date` `YYYY-MM-DD`); rows can link
 *   to attachments or other hosts — only `/tztg/YYYYMM/tYYYYMMDD_N.html` detail pages are kept.
 *   Older list pages (pre-redesign, gb2312) had rows `td.STYLE30 > a` + `(YYYY-MM-DD)`.
 * - 信息公开 columns under `/xxgk/xinxifenlei/fdzdgknr/`: 规范性文件 `fgzc/gfxwj/` and 其他文件 `qtwj/`;
 *   rows `ul#data_list > li` (`a[title]`, 文号 `.w_list_wh`, date `.w_list_rq` `YYYY年MM月DD日`);
 *   政策解读 (`fgzc/zcjd/`) cross-links are dropped.
 *
 * Detail pages come in three shapes, all read by label or by fallback, never by position:
 * - 通知通告 (current template): `div.title_wide`, `div.notes` (来源, 发布日期), body `div.text.wide`
 *   (its `#Zoom` when there is one). No metadata table: the 文号 is the text's first line or the
 *   title's `（…号）` suffix, the 成文日期 the date under the signature, the issuers the title's
 *   opening before 关于 (for `…等部门关于…`, the signature block).
 * - 通知通告, older template (gb2312): `div#Title`, `div.gray12` (`日期：… 来源：…`), body `div#Zoom`
 *   between `<meta name="ContentStart">` and `<meta name="ContentEnd">`.
 * - 信息公开: metadata table `div.xxgk_detail_head` (索引号, 主题分类, 发文机关, 成文日期, 标题, 发文字号,
 *   发布日期 …; older pages a table in `div.wrap`), body `div#Zoom`, attachments in `div.xxgk_detail_content`.
 * Every page carries the TRS meta tags `ArticleTitle`, `PubDate`, `ContentSource` (preferred).
 * The issuer of a page with no other issuer information is the ministry itself.
 * @module
 */
import type { AnyNode } from 'domhandler';
import type { Cheerio } from 'cheerio';
import { BadDateError, parseSiteDate, tryParseSiteDate } from '../../src/domain/dates.js';
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
  metadataLabelCount,
  readLabelTable,
  splitIssuers,
} from '../lib/trs-page.js';

const BASE = 'https://www.most.gov.cn';
const XXGK = `${BASE}/xxgk/xinxifenlei/fdzdgknr`;
/** The issuer of a MOST page that names no other. */
export const SITE_BODY = '中华人民共和国科学技术部';

/** `/tztg/202006/t20200622_155186.html`; pre-redesign pages end in `.htm`. */
const TZTG_DETAIL = /^https:\/\/www\.most\.gov\.cn\/tztg\/\d{6}\/t\d{8}_\d+\.html?$/;
/** `/xxgk/xinxifenlei/fdzdgknr/qtwj/qtwj2020/202006/t20200622_155187.html` and the like. */
const XXGK_DETAIL = /^https:\/\/www\.most\.gov\.cn\/xxgk\/xinxifenlei\/fdzdgknr\/(?:[a-z0-9_]+\/)+\d{6}\/t\d{8}_\d+\.html?$/;
/** 政策解读 pages: commentary on a notice, not a notice. */
const INTERPRETATION = /\/fgzc\/zcjd\//;

export const columns: SourceColumn[] = [
  { id: 'tztg', nameZh: '通知通告', first: { url: `${BASE}/tztg/`, expect: 'html' } },
  { id: 'gfxwj', nameZh: '规范性文件', first: { url: `${XXGK}/fgzc/gfxwj/`, expect: 'html' } },
  { id: 'qtwj', nameZh: '其他文件', first: { url: `${XXGK}/qtwj/`, expect: 'html' } },
];

/** MOST serves the same page over http and https, with and without `www.`; the canonical form is https://www. */
export function canonicalUrl(url: string): string {
  return url.replace(/^https?:\/\/(?:www\.)?most\.gov\.cn\//i, `${BASE}/`).replace(/#.*$/, '');
}

export function isDetailUrl(url: string): boolean {
  const canonical = canonicalUrl(url);
  if (TZTG_DETAIL.test(canonical)) return true;
  return XXGK_DETAIL.test(canonical) && !INTERPRETATION.test(canonical);
}

// ---------------------------------------------------------------------------------------------
// Lists
// ---------------------------------------------------------------------------------------------

interface Row {
  href: string | undefined;
  title: string | null;
  dateText: string | null;
  docNumber: string | null;
}

const DATE_IN_TEXT = /\d{4}\s*(?:-|年)\s*\d{1,2}\s*(?:-|月)\s*\d{1,2}\s*日?/u;

function rowsOf($: CheerioAPI): Row[] | null {
  const anchorTitle = (a: Cheerio<AnyNode>) => firstText(a.attr('title'), inlineText($, a));
  const current = $('ul.info_list2');
  if (current.length) {
    return current
      .children('li')
      .toArray()
      .map((li) => {
        const a = $(li).find('a[href]').first();
        const date = $(li).find('span.date').first();
        return {
          href: a.attr('href'),
          title: a.length ? anchorTitle(a) : null,
          dateText: firstText(date.text(), DATE_IN_TEXT.exec($(li).text())?.[0]),
          docNumber: null,
        };
      });
  }
  const xxgk = $('#data_list');
  if (xxgk.length) {
    return xxgk
      .find('li, tr')
      .toArray()
      .filter((row) => $(row).find('a[href]').length > 0 || row.tagName === 'li')
      .map((row) => {
        const a = $(row).find('a[href]').first();
        return {
          href: a.attr('href'),
          title: a.length ? anchorTitle(a) : null,
          dateText: firstText($(row).find('.w_list_rq').first().text(), DATE_IN_TEXT.exec($(row).text())?.[0]),
          docNumber: firstText($(row).find('.w_list_wh').first().text()),
        };
      });
  }
  const old = $('td.STYLE30');
  if (old.length) {
    return old.toArray().map((td) => {
      const a = $(td).find('a[href]').first();
      return {
        href: a.attr('href'),
        title: a.length ? anchorTitle(a) : null,
        dateText: /\((\d{4}-\d{1,2}-\d{1,2})\)/.exec($(td).text())?.[1] ?? null,
        docNumber: null,
      };
    });
  }
  return null;
}

/**
 * Parses one list page of a column.
 * @throws {ListLayoutError} when the page is not a MOST list (no list container, a challenge page,
 *   or rows none of which has a link).
 */
export function parseList(body: string, request: ListRequest, column: SourceColumn): ListPage {
  const challenge = challengeProblem(body);
  if (challenge) throw new ListLayoutError(`${request.url}: ${challenge}`);
  const $ = loadHtml(body);
  const rows = rowsOf($);
  if (!rows) {
    const title = $('title').first().text().trim();
    throw new ListLayoutError(
      `${request.url}: no list (ul.info_list2, ul#data_list or td.STYLE30) — not a MOST list page${title ? ` ("${title}")` : ''}; maintenance page or changed layout?`,
    );
  }
  if (rows.length > 0 && rows.every((r) => !r.href)) {
    throw new ListLayoutError(`${request.url}: ${rows.length} list rows but none has a link (row markup changed?)`);
  }
  const items: ListItem[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    const resolved = absoluteUrl(row.href, request.url);
    if (!resolved) continue;
    const url = canonicalUrl(resolved);
    if (!isDetailUrl(url) || seen.has(url)) continue; // attachments, other hosts, 解读 cross-links
    if (row.title && /^政策解读|解读[》」]?$/u.test(row.title)) continue;
    seen.add(url);
    items.push({ url, column: column.id, title: row.title, date: tryParseSiteDate(row.dateText), docNumber: row.docNumber });
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

function findMetadataTable($: CheerioAPI): Map<string, string> {
  const head = $('div.xxgk_detail_head table').first();
  if (head.length) {
    const fields = readLabelTable($, head);
    if (metadataLabelCount(fields) >= 2) return fields;
  }
  // older 信息公开 pages: a table in div.wrap; never a table inside the text
  for (const table of $('table').toArray()) {
    if ($(table).closest('#Zoom, div.text, .TRS_Editor, .trs_editor_view').length) continue;
    const fields = readLabelTable($, $(table));
    if (metadataLabelCount(fields) >= 3) return fields;
  }
  return new Map();
}

interface Body {
  $: CheerioAPI;
  root: Cheerio<AnyNode>;
}

function findBody($: CheerioAPI, html: string): Body | null {
  const text = $('div.text.wide').first();
  if (text.length) {
    const zoom = text.find('#Zoom').first();
    return { $, root: zoom.length ? zoom : text };
  }
  for (const selector of ['#Zoom', 'div.TRS_Editor', 'div.trs_editor_view', 'div.article_con', '#UCAP-CONTENT']) {
    const el = $(selector).first();
    if (el.length) return { $, root: el };
  }
  // pre-redesign pages mark the text with <meta name="ContentStart"/> … <meta name="ContentEnd"/>
  const start = /<meta\s+name=["']?ContentStart["']?[^>]*>/i.exec(html);
  const end = /<meta\s+name=["']?ContentEnd["']?[^>]*>/i.exec(html);
  if (start && end && end.index > start.index) {
    const fragment = loadHtml(`<div id="content-start-end">${html.slice(start.index + start[0].length, end.index)}</div>`);
    return { $: fragment, root: fragment('#content-start-end') };
  }
  return null;
}

/** The `<title>` is `<标题>_<栏目>_中华人民共和国科学技术部` (or just the title on old pages). */
function titleFromDocumentTitle($: CheerioAPI): string | null {
  const full = $('head > title').first().text().trim();
  if (!full || /^(404|页面不存在|页面未找到)/u.test(full)) return null;
  return full.replace(/[_-]\s*(中华人民共和国)?科学技术部.*$/u, '').split('_')[0]?.trim() || null;
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

  const fields = findMetadataTable($);
  const field = (label: string) => fields.get(label)?.trim() || null;
  const notes = segmentedText($, $('div.notes').first());
  const oldInfo = segmentedText($, $('div.gray12').first());

  const rawTitle = firstText(
    metaContent($, 'ArticleTitle'),
    field('标题'),
    $('div.title_wide').first().text(),
    $('#Title').first().text(),
    $('div.xxgk_title').first().text(),
    $('div.xxgk_detail_content h1, div.detail h1').first().text(),
    titleFromDocumentTitle($),
    item?.title,
  );
  if (!rawTitle) {
    return problem('no_title', 'no title in the ArticleTitle meta, the metadata table, div.title_wide, div#Title or <title>');
  }

  const body = findBody($, html);
  if (!body) {
    if ($('ul.info_list2, #data_list, td.STYLE30').length) return problem('not_a_notice', 'a list page, not a notice');
    if (/页面不存在|页面未找到|404 Not Found/u.test($('body').text())) return problem('not_a_notice', 'the site’s “page not found” page');
    return problem('no_body', 'no body container (div.text.wide, #Zoom, .TRS_Editor, ContentStart/ContentEnd)');
  }
  const bodyText = blockText(body.$, body.root);
  const lines = bodyText.split('\n');

  // Attachments: links in the text, in the 信息公开 content block, and files of the page's own folder
  // anywhere on the page (the 通知通告 template lists them in a block after the text).
  const attachments = dedupeAttachments([
    ...attachmentLinks(body.$, body.root, url),
    ...attachmentLinks($, $('div.xxgk_detail_content'), url),
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

  const signature = findSignature(lines);
  const writtenDate = field('成文日期') ? date('成文日期', field('成文日期')) : date('signature date', signature?.dateText ?? null);
  const publishedDate =
    date('PubDate', metaContent($, 'PubDate')) ??
    date('发布日期', field('发布日期')) ??
    date('发布日期', /发布(?:日期|时间)[：:]\s*([\d年月日\s:-]+\d日?)/u.exec(notes)?.[1]?.trim() ?? null) ??
    date('日期', /日期[：:]\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}-\d{1,2}-\d{1,2})/u.exec(oldInfo)?.[1] ?? null) ??
    item?.date ??
    null;

  const titleZh = stripAppendedDocNumber(rawTitle);
  const docNumber = field('发文字号') ?? docNumberFromTitle(rawTitle) ?? leadingDocNumber(lines) ?? item?.docNumber ?? null;

  let issuerNames = splitIssuers(field('发文机关'));
  if (issuerNames.length === 0) {
    const fromTitle = issuersFromTitle(titleZh);
    issuerNames = fromTitle ? issuersWithSignature(fromTitle, lines, warnings) : [SITE_BODY];
  }

  const origin = firstText(
    metaContent($, 'ContentSource'),
    field('来源'),
    labelledValue(notes, /来源/),
    labelledValue(oldInfo, /来源/),
  );

  return {
    ok: true,
    warnings,
    notice: {
      url,
      titleZh,
      docNumber,
      docType: field('公文种类') ?? docTypeFromTitle(titleZh),
      issuerNames,
      writtenDate,
      publishedDate,
      effectiveDate: null,
      topicZh: field('主题分类'),
      indexNumber: field('索引号'),
      origin,
      validity: field('有效性'),
      bodyText,
      bodyHtml: body.root.html(),
      attachments,
    },
  };
}

export const source: Source = {
  id: 'most',
  nameZh: '中华人民共和国科学技术部',
  nameKo: '중화인민공화국 과학기술부',
  nameEn: 'Ministry of Science and Technology (www.most.gov.cn)',
  baseUrl: BASE,
  // every two hours at :19, 08:00–20:00 Beijing time on working days (gov-cn runs at :07)
  schedule: '19 8-20/2 * * 1-5',
  cadenceDays: 3,
  columns,
  parseList,
  parseDetail,
  isDetailUrl,
};

export default source;
