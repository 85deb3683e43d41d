/**
 * `miit` — Ministry of Industry and Information Technology (工业和信息化部), www.miit.gov.cn, 文件发布 · 通知.
 *
 * The site runs the Hanweb "jpaas" publishing system. A column page (`/zwgk/zcwj/wjfb/tz/index.html`)
 * carries no rows: a `<script parseType="buildstatic" url="/api-gateway/…/build/unit" querydata="{…}">`
 * tells the page's JS which unit to build, and the rows come from
 * `GET /api-gateway/jpaas-publish-server/front/page/build/unit?parseType=buildstatic&webId=…&tplSetId=…
 * &pageType=column&tagId=…&editType=null&pageId=…` as JSON `{success, code, data: {html}, message}`.
 * `data.html` holds `div.page-content ul > li.cf` rows (`a.fl[href][title]` + `span.fr` date, sometimes
 * with hidden 解读/新闻 `<font>` labels and a hidden `dl.tslb-list` of 解读 links) and a
 * `div.pagination[rows][count][pageNo]`. Further pages: the same unit with
 * `paramJson={"pageNo":N,"pageSize":rows}` (the site's pager rebuilds the query from the unit's
 * queryData, which has no `editType`).
 *
 * Detail pages `/zwgk/zcwj/wjfb/<col>/art/YYYY/art_<32hex>.html` (and a 司局's
 * `/jgsj/<dept>/wjfb/art/YYYY/art_<32hex>.html`): meta `ArticleTitle`, `PubDate` (`YYYY-MM-DD HH:mm`),
 * `ContentSource` (the 司局 that posted it — not the issuer); `h1#con_title`; `div.cinfo` with
 * `span#con_time` (`发布时间：YYYY-MM-DD HH:mm`) and `来源：…`; body `div#con_con.ccontent`; for 公开 documents
 * a `div.xxgk-box` of label/value spans (文号 in `span.xxgk-fwzh`), read by label.
 *
 * Anti-bot: 2021–22 reports of HTTP 521 (加速乐) to plain clients; 2025–26 clients read the site with a
 * plain GET plus `Referer`, so the source does not require a browser (see README). A 200 answer whose
 * body is a 加速乐 (or other vendor's) challenge is reported as `challenge` / a layout error.
 * @module
 */
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
import { detectChallenge, issuersFromTitle, readLabelledSpans, signatureDate } from '../lib/ministry-page.js';

const BASE = 'https://www.miit.gov.cn';
const UNIT_PATH = '/api-gateway/jpaas-publish-server/front/page/build/unit';
/** The ministry as the site names itself; the issuer when a page names no other. */
export const SITE_BODY = '中华人民共和国工业和信息化部';

/** Detail pages of the 文件发布 columns (tz 通知, gg 公告, tg 通告 …) and of a 司局's 文件发布. */
const DETAIL_PATH = /^\/(?:zwgk\/zcwj\/wjfb\/[a-z]+|jgsj\/[a-z0-9]+\/wjfb)\/art\/\d{4}\/art_[0-9a-f]{32}\.html$/;
const SITE_HOST = /^(?:www\.|wap\.)?miit\.gov\.cn$/i;

/** The ids of a jpaas unit, as a column page's `querydata` names them. */
export interface UnitQuery {
  webId: string;
  tplSetId: string;
  tagId: string;
  pageId: string;
  parseType?: string;
  pageType?: string;
}

/** 文件发布 · 通知: the ids from the saved `/zwgk/zcwj/wjfb/tz/index.html` (its `lmy_main_rb` script). */
const TZ_UNIT: UnitQuery = {
  webId: '8d828e408d90447786ddbe128d495e9e',
  tplSetId: '209741b2109044b5b7695700b2bec37e',
  tagId: '右侧内容',
  pageId: '3e3ad1a3bec74939890a0d3e54815141',
};
const TZ_PAGE = `${BASE}/zwgk/zcwj/wjfb/tz/index.html`;

/**
 * Percent-encodes a query value, leaving `:` and `,` (allowed in a query by RFC 3986) as they are;
 * `{"pageNo":2,"pageSize":24}` → `%7B%22pageNo%22:2,%22pageSize%22:24%7D`.
 */
function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(/%3A/gi, ':').replace(/%2C/gi, ',');
}

function query(pairs: Array<[string, string]>): string {
  return pairs.map(([k, v]) => `${k}=${encodeQueryValue(v)}`).join('&');
}

/**
 * The request for one page of a jpaas unit. Page 1 is what the column page's JS asks for (with
 * `editType=null`); page N adds `paramJson`, as the site's pager does.
 * @param referer the column page (the API is called from it)
 */
export function unitRequest(unit: UnitQuery, referer: string, page?: { pageNo: number; pageSize: number }): ListRequest {
  const pairs: Array<[string, string]> = [
    ['parseType', unit.parseType ?? 'buildstatic'],
    ['webId', unit.webId],
    ['tplSetId', unit.tplSetId],
    ['pageType', unit.pageType ?? 'column'],
    ['tagId', unit.tagId],
  ];
  if (!page) pairs.push(['editType', 'null']);
  pairs.push(['pageId', unit.pageId]);
  if (page) pairs.push(['paramJson', JSON.stringify({ pageNo: page.pageNo, pageSize: page.pageSize })]);
  return { url: `${BASE}${UNIT_PATH}?${query(pairs)}`, expect: 'json', headers: { Referer: referer } };
}

/**
 * Reads the unit a column page builds its list from (`<script parseType="buildstatic" url=… querydata=…>`).
 * @returns the API path and the unit's ids, or null when the page has no such script
 */
export function unitFromColumnPage(html: string): { url: string; unit: UnitQuery } | null {
  const $ = loadHtml(html);
  const script = $('script[querydata][url]')
    .filter((_, el) => /build\/unit/.test($(el).attr('url') ?? ''))
    .first();
  if (!script.length) return null;
  const raw = script.attr('querydata') ?? '';
  let data: Record<string, unknown>;
  try {
    // querydata is written with single quotes: {'webId':'…','pageId':'…'}
    data = JSON.parse(raw.replace(/'/g, '"')) as Record<string, unknown>;
  } catch {
    return null;
  }
  const str = (k: string) => (typeof data[k] === 'string' ? (data[k] as string) : '');
  if (!str('webId') || !str('pageId') || !str('tplSetId') || !str('tagId')) return null;
  return {
    url: absoluteUrl(script.attr('url'), BASE) ?? `${BASE}${UNIT_PATH}`,
    unit: {
      webId: str('webId'),
      tplSetId: str('tplSetId'),
      tagId: str('tagId'),
      pageId: str('pageId'),
      ...(str('parseType') ? { parseType: str('parseType') } : {}),
      ...(str('pageType') ? { pageType: str('pageType') } : {}),
    },
  };
}

export const columns: SourceColumn[] = [
  {
    id: 'tz',
    nameZh: '文件发布·通知',
    first: unitRequest(TZ_UNIT, TZ_PAGE),
  },
];

/** miit.gov.cn answers on http and https and on wap.; the canonical form is https://www. */
export function canonicalUrl(url: string): string {
  try {
    const u = new URL(url);
    if (SITE_HOST.test(u.hostname)) {
      u.protocol = 'https:';
      u.hostname = 'www.miit.gov.cn';
      u.port = '';
    }
    return u.toString();
  } catch {
    return url;
  }
}

export function isDetailUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return SITE_HOST.test(u.hostname) && DETAIL_PATH.test(u.pathname) && !u.search;
  } catch {
    return false;
  }
}

/** 解读, 图解 and video rows link to explanations of a document, not to the document. */
const NOT_A_DOCUMENT_TITLE = /解读$|政策解读|^图解|一图读懂|\[视频\]|答记者问/u;

interface UnitResponse {
  success?: unknown;
  code?: unknown;
  message?: unknown;
  data?: { html?: unknown } | null;
}

function pageOfRequest(request: ListRequest): number {
  try {
    const raw = new URL(request.url).searchParams.get('paramJson');
    if (!raw) return 1;
    const n = Number((JSON.parse(raw) as { pageNo?: unknown }).pageNo);
    return Number.isInteger(n) && n > 0 ? n : 1;
  } catch {
    return 1;
  }
}

function unitOfRequest(request: ListRequest): UnitQuery | null {
  try {
    const p = new URL(request.url).searchParams;
    const get = (k: string) => p.get(k) ?? '';
    if (!get('webId') || !get('tplSetId') || !get('tagId') || !get('pageId')) return null;
    return {
      webId: get('webId'),
      tplSetId: get('tplSetId'),
      tagId: get('tagId'),
      pageId: get('pageId'),
      parseType: get('parseType') || 'buildstatic',
      pageType: get('pageType') || 'column',
    };
  } catch {
    return null;
  }
}

/**
 * Parses one answer of the jpaas unit API.
 * @throws {ListLayoutError} for a challenge page, a body that is not the unit JSON, `success: false`,
 *   a fragment without list rows, or a page number other than the one asked for
 */
export function parseList(body: string, request: ListRequest, column: SourceColumn): ListPage {
  const text = body.replace(/^\uFEFF/, '');
  const challenge = detectChallenge(text, /"data"\s*:\s*\{\s*"html"/);
  if (challenge) throw new ListLayoutError(`${request.url}: ${challenge.message}`);
  let data: UnitResponse;
  try {
    data = JSON.parse(text) as UnitResponse;
  } catch (error) {
    throw new ListLayoutError(`${request.url}: not JSON (${(error as Error).message}); expected the jpaas unit answer {success, data: {html}}`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new ListLayoutError(`${request.url}: expected a JSON object {success, data: {html}}`);
  }
  if (data.success === false) {
    throw new ListLayoutError(`${request.url}: the unit API answered success=false (${String(data.message ?? data.code ?? 'no message')})`);
  }
  const fragment = data.data && typeof data.data === 'object' ? data.data.html : undefined;
  if (typeof fragment !== 'string') {
    throw new ListLayoutError(`${request.url}: no data.html string in the answer (JSON shape changed?)`);
  }

  const $ = loadHtml(fragment);
  const rows = $('li.cf').length ? $('li.cf') : $('div.page-content li');
  if (rows.length === 0 && !$('div.page-content, div.pagination').length) {
    throw new ListLayoutError(`${request.url}: data.html has neither list rows (li.cf) nor a page-content block (layout changed?)`);
  }

  const items: ListItem[] = [];
  const seen = new Set<string>();
  rows.each((_, li) => {
    const row = $(li);
    // the row's own link, not the hidden 解读 links in dl.tslb-list
    const a = row.children('a.fl').first().length ? row.children('a.fl').first() : row.children('a[href]').first();
    const href = absoluteUrl(a.attr('href'), BASE);
    if (!href) return;
    const url = canonicalUrl(href);
    const title = (a.attr('title') ?? inlineText($, a)).replace(/\s+/gu, ' ').trim() || null;
    if (!isDetailUrl(url) || (title && NOT_A_DOCUMENT_TITLE.test(title)) || seen.has(url)) return;
    seen.add(url);
    // span.fr may hold hidden 解读/新闻 <font> labels before the date
    const dateCell = row.children('span.fr').first().clone();
    dateCell.find('font').remove();
    let date: string | null = null;
    try {
      date = parseSiteDate(dateCell.text().trim());
    } catch {
      date = null; // the detail page has its own date
    }
    items.push({ url, column: column.id, title, date });
  });

  const pager = $('div.pagination').first();
  let next: ListRequest | null = null;
  if (pager.length) {
    const count = Number(pager.attr('count'));
    const size = Number(pager.attr('rows'));
    const current = Number(pager.attr('pageno') ?? pager.attr('pageNo'));
    const asked = pageOfRequest(request);
    if (Number.isInteger(current) && current > 0 && current !== asked) {
      throw new ListLayoutError(`${request.url}: asked for page ${asked} but the unit answered page ${current} (paging parameters ignored?)`);
    }
    if (Number.isInteger(count) && Number.isInteger(size) && size > 0 && count >= 0) {
      const pages = Math.ceil(count / size);
      const unit = unitOfRequest(request) ?? TZ_UNIT;
      const referer = request.headers?.Referer ?? TZ_PAGE;
      if (asked < pages) next = unitRequest(unit, referer, { pageNo: asked + 1, pageSize: size });
    }
  }
  return { items, next };
}

function firstText(...values: Array<string | null | undefined>): string | null {
  for (const v of values) {
    const t = v?.replace(/[\s\u3000]+/gu, ' ').trim();
    if (t) return t;
  }
  return null;
}

/** `<title>` may carry the site's name after a separator. */
function titleFromDocumentTitle($: CheerioAPI): string | null {
  const full = $('head > title').first().text().trim();
  if (!full) return null;
  return full.split(/\s*[-_|]\s*(?:中华人民共和国)?工业和信息化部.*$/u)[0]?.trim() || null;
}

function splitIssuers(value: string | null): string[] {
  return value ? value.split(/[\s\u3000、，,；;]+/u).filter(Boolean) : [];
}

/** Parses a detail page. Pure; never throws. */
export function parseDetail(html: string, url: string, item?: ListItem): DetailResult {
  try {
    return parseDetailUnsafe(html, url, item);
  } catch (error) {
    return { ok: false, problem: { code: 'malformed', message: `could not read the page: ${(error as Error).message}` } };
  }
}

function parseDetailUnsafe(html: string, url: string, item?: ListItem): DetailResult {
  const challenge = detectChallenge(html, /id=["']?con_con\b|id=["']?con_title\b/);
  if (challenge) return { ok: false, problem: { code: 'challenge', message: challenge.message } };
  const truncated = truncationProblem(html);
  if (truncated) return { ok: false, problem: { code: 'truncated', message: truncated } };
  const $ = loadHtml(html);
  const warnings: string[] = [];

  const rawTitle = firstText(
    metaContent($, 'ArticleTitle'),
    $('h1#con_title').first().text(),
    $('#con_title').first().text(),
    titleFromDocumentTitle($),
  );
  if (!rawTitle) {
    return { ok: false, problem: { code: 'no_title', message: 'no title in meta ArticleTitle, h1#con_title or <title>' } };
  }

  const body = $('div#con_con').first();
  const bodyRoot = body.length ? body : $('div.ccontent').first();
  if (!bodyRoot.length) {
    return { ok: false, problem: { code: 'no_body', message: 'no body container (div#con_con or div.ccontent)' } };
  }
  const bodyText = blockText($, bodyRoot);
  if (!bodyText && !bodyRoot.find('a[href]').length) {
    return { ok: false, problem: { code: 'no_body', message: 'the body container (div#con_con) is empty' } };
  }

  // 信息公开 box: label/value spans (索引号, 主题分类, 发文机关, 成文日期, 文号, 发布日期 …)
  const box = $('div.xxgk-box').first();
  const fields = box.length ? readLabelledSpans($, box) : new Map<string, string>();
  const field = (...labels: string[]) => {
    for (const l of labels) {
      const v = fields.get(l)?.trim();
      if (v) return v;
    }
    return null;
  };

  const date = (label: string, value: string | null): string | null => {
    try {
      return parseSiteDate(value);
    } catch (error) {
      if (error instanceof BadDateError) warnings.push(`${label} ${error.message}; stored as unknown`);
      return null;
    }
  };
  const conTime = inlineText($, $('#con_time').first()).replace(/^发布时间[：:]\s*/u, '');
  const publishedDate =
    date('发布日期', field('发布日期')) ??
    date('meta PubDate', metaContent($, 'PubDate')) ??
    date('con_time', conTime || null) ??
    item?.date ??
    null;
  const writtenDate = date('成文日期', field('成文日期')) ?? signatureDate(bodyText);

  const titleZh = stripAppendedDocNumber(rawTitle);
  const docNumber = field('文号', '发文字号') ?? firstText($('.xxgk-fwzh').first().text()) ?? docNumberFromTitle(rawTitle);
  const docType = field('公文种类', '文种') ?? docTypeFromTitle(rawTitle);
  const fromBox = splitIssuers(field('发文机关', '发布机构'));
  const issuerNames = fromBox.length ? fromBox : issuersFromTitle(titleZh);

  const cinfoSource = /来源[：:]\s*(\S+)/u.exec(inlineText($, $('div.cinfo').first()))?.[1] ?? null;
  const origin = firstText(metaContent($, 'ContentSource'), cinfoSource);

  const fromBody = attachmentLinks($, bodyRoot, url);
  const fromBlock = attachmentLinks($, $('div.fujian, div.xgfj, div.attachment'), url);

  return {
    ok: true,
    warnings,
    notice: {
      url,
      titleZh,
      docNumber,
      docType,
      issuerNames: issuerNames.length ? issuerNames : [SITE_BODY],
      writtenDate,
      publishedDate,
      effectiveDate: null,
      topicZh: field('主题分类'),
      indexNumber: field('索引号'),
      origin,
      validity: field('有效性'),
      bodyText,
      bodyHtml: bodyRoot.html(),
      attachments: dedupeAttachments([...fromBody, ...fromBlock]),
    },
  };
}

export const source: Source = {
  id: 'miit',
  nameZh: '中华人民共和国工业和信息化部 文件发布',
  nameKo: '중화인민공화국 공업정보화부 문건 발표',
  nameEn: 'Ministry of Industry and Information Technology — published documents (www.miit.gov.cn)',
  baseUrl: BASE,
  // at :23 past 9, 12, 15 and 18 o'clock Beijing time on working days
  schedule: '23 9-18/3 * * 1-5',
  cadenceDays: 5,
  columns,
  // 521 (加速乐) was reported in 2021–22; 2025–26 clients read the site with plain GETs, so no browser.
  needsBrowser: false,
  parseList,
  parseDetail,
  isDetailUrl,
};

export default source;
