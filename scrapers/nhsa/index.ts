/**
 * `nhsa` — the National Healthcare Security Administration (国家医疗保障局), www.nhsa.gov.cn,
 * a Hanweb (大汉) CMS site.
 *
 * Lists: a column page `/col/colNNN/index.html` carries its first group of records as CDATA inside
 * `<script type="text/xml"><datastore>…<recordset><record><![CDATA[<li>…</li>]]></record>…`, with the
 * total in `<totalrecord>` / the jpage call's `totalRecord:N`; the page's own script renders them.
 * Later groups come from `POST /module/web/jpage/dataproxy.jsp?startrecord=N&endrecord=M&perpage=P`
 * with the form fields of the page's `var param_<unitid> = {…}` (col, appid, webid, path, columnid,
 * sourceContentType, unitid, webname, permissiontype) and answer the same `<recordset>` XML.
 * The group size is the page's `perPage × groupSize` (15 × 3 = 45 on the live site).
 * 政策法规 records have four spans: 索引 | 标题 link | 发文字号 | 发布日期; 通知公告 records are
 * `<li><a href title>…</a><span>YYYY-MM-DD</span></li>`.
 *
 * Detail pages: `/art/YYYY/M/D/art_<col>_<id>.html` (month and day not zero-padded; the path date is
 * the publication day). Meta `ArticleTitle`, `PubDate`, `ContentSource`; title also in
 * `span.mu-sp-2`; an optional metadata table (索引号, 主题分类, 发布机构, 成文日期, 发文字号,
 * 发布日期) read by label; body `div#zoom`; attachments are `/attach/…` files and Hanweb
 * `/module/download/down.jsp?i_ID=…` links, inside or after the body.
 * @module
 */
import type { AnyNode } from 'domhandler';
import type { Cheerio } from 'cheerio';
import type { Attachment } from '../../src/db/schema.js';
import { BadDateError, parseSiteDate } from '../../src/domain/dates.js';
import { docNumberFromTitle, docTypeFromTitle, normalizeDocNumber, stripAppendedDocNumber } from '../../src/domain/document.js';
import { detectChallenge } from '../lib/challenge.js';
import {
  absoluteUrl,
  blockText,
  type CheerioAPI,
  dedupeAttachments,
  inlineText,
  isAttachmentUrl,
  labelKey,
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

const BASE = 'https://www.nhsa.gov.cn';
const HOST = 'www.nhsa.gov.cn';
const SITE_ISSUER = '国家医疗保障局';
const PROXY_PATH = '/module/web/jpage/dataproxy.jsp';

/** The live site's jpage settings, used when a column page does not state its own. */
const DEFAULT_PER_PAGE = 15;
const DEFAULT_GROUP_SIZE = 3;

/** `/art/2022/7/26/art_104_9089.html` (month/day not padded). */
const DETAIL_PATH = /^\/art\/(\d{4})\/(\d{1,2})\/(\d{1,2})\/art_(\d+)_(\d+)\.html$/;
const DETAIL_URL = /^https?:\/\/www\.nhsa\.gov\.cn\/art\/\d{4}\/\d{1,2}\/\d{1,2}\/art_\d+_\d+\.html$/;

/** 政策解读: interpretations of a notice, not notices. */
const INTERPRETATION_COLUMNS = new Set(['105']);
const INTERPRETATION_TITLE = /解读|答记者问|图解/u;

function columnPage(id: string, nameZh: string): SourceColumn {
  return { id, nameZh, first: { url: `${BASE}/col/${id}/index.html`, expect: 'html' } };
}

export const columns: SourceColumn[] = [columnPage('col104', '政策法规'), columnPage('col109', '通知公告')];

// ------------------------------------------------------------------------------------------------
// Lists
// ------------------------------------------------------------------------------------------------

/** The CDATA fragments of `<record>` elements, in order. */
export function recordFragments(body: string): string[] {
  const out: string[] = [];
  const re = /<record>\s*<!\[CDATA\[([\s\S]*?)\]\]>\s*<\/record>/gi;
  for (let m = re.exec(body); m; m = re.exec(body)) out.push(m[1] ?? '');
  return out;
}

/** `<totalrecord>N</totalrecord>` (dataproxy answers, datastore) or the jpage call's `totalRecord:N`. */
function readTotal(body: string): number | null {
  const m = /<totalrecord>\s*(\d+)\s*<\/totalrecord>/i.exec(body) ?? /\btotalRecord\s*:\s*['"]?(\d+)/.exec(body);
  return m ? Number(m[1]) : null;
}

/** `var param_2464 = {col:1,appid:1,…,unitid:'2464',webname:'国家医疗保障局',permissiontype:0};` */
export function readProxyParams(body: string): Map<string, string> | null {
  const m = /var\s+param_\d+\s*=\s*\{([^}]*)\}/.exec(body);
  if (!m) return null;
  const out = new Map<string, string>();
  const pair = /(\w+)\s*:\s*(?:'([^']*)'|"([^"]*)"|([\w./-]+))/g;
  for (let p = pair.exec(m[1]!); p; p = pair.exec(m[1]!)) out.set(p[1]!, p[2] ?? p[3] ?? p[4] ?? '');
  return out;
}

function readNumberSetting(body: string, name: string): number | null {
  const m = new RegExp(`\\b${name}\\s*:\\s*['"]?(\\d+)`).exec(body);
  const n = m ? Number(m[1]) : NaN;
  return Number.isInteger(n) && n > 0 ? n : null;
}

/** The unit id: the param object, else the `<div id="N">` around the datastore, else the nextgroup link. */
function readUnitId(body: string, params: Map<string, string> | null): string | null {
  const fromParams = params?.get('unitid');
  if (fromParams && /^\d+$/.test(fromParams)) return fromParams;
  const wrapper = /<div\s+id=["']?(\d+)["']?\s*>\s*<script\s+type=["']text\/xml["']/i.exec(body);
  if (wrapper) return wrapper[1]!;
  const link = /dataproxy\.jsp\?[^"'<>]*?\bunitid=(\d+)/i.exec(body);
  return link ? link[1]! : null;
}

/** The dataproxy form body, in the order the page's script sends it. */
function proxyForm(column: SourceColumn, params: Map<string, string> | null, unitId: string): string {
  const columnId = params?.get('columnid') || column.id.replace(/^col/, '');
  const form = new URLSearchParams();
  form.set('col', params?.get('col') || '1');
  form.set('appid', params?.get('appid') || '1');
  form.set('webid', params?.get('webid') || '1');
  form.set('path', params?.get('path') || '/');
  form.set('columnid', columnId);
  form.set('sourceContentType', params?.get('sourceContentType') || '1');
  form.set('unitid', unitId);
  form.set('webname', params?.get('webname') || SITE_ISSUER);
  form.set('permissiontype', params?.get('permissiontype') || '0');
  return form.toString();
}

function proxyRequest(start: number, end: number, perPage: number, body: string, referer: string): ListRequest {
  return {
    url: `${BASE}${PROXY_PATH}?startrecord=${start}&endrecord=${end}&perpage=${perPage}`,
    method: 'POST',
    body,
    contentType: 'application/x-www-form-urlencoded',
    headers: { Referer: referer },
    expect: 'html',
  };
}

/** https and the canonical host for links to this site. */
export function canonicalUrl(url: string): string {
  return url.replace(/^https?:\/\/(?:www\.)?nhsa\.gov\.cn\//i, `${BASE}/`);
}

/** Reads one record; null for links that are not notice pages (other sites, files, 解读). */
function readRecord(fragment: string, column: SourceColumn): ListItem | null | 'no-link' {
  const $ = loadHtml(fragment);
  const link = $('a[href]').first();
  if (!link.length) return 'no-link';
  const resolved = absoluteUrl(link.attr('href'), BASE + '/');
  if (!resolved) return null;
  const url = canonicalUrl(resolved);
  const parsed = new URL(url);
  if (parsed.host !== HOST) return null; // links to gov.cn and other sites
  const path = DETAIL_PATH.exec(parsed.pathname);
  if (!path || parsed.search || isAttachmentUrl(url)) return null; // files listed as rows, column pages
  const listed = (link.attr('title')?.trim() || inlineText($, link)).replace(/\s+/g, ' ');
  const title = listed ? stripAppendedDocNumber(listed) : null;
  if (INTERPRETATION_COLUMNS.has(path[4]!) || (title && INTERPRETATION_TITLE.test(title))) return null;

  const spans = $('span').toArray();
  const text = inlineText($, $.root());
  const dates = text.match(/\d{4}-\d{1,2}-\d{1,2}(?![\d-])/g) ?? [];
  let date: string | null = null;
  try {
    date = parseSiteDate(dates[dates.length - 1] ?? null);
  } catch {
    date = null; // the detail page has its own dates
  }
  const item: ListItem = { url, column: column.id, title, date };
  // 政策法规: 索引 | 标题 | 发文字号 | 日期; elsewhere a 文号 may be appended to the title
  if (spans.length >= 4 && $(spans[1]!).find('a[href]').length) {
    const raw = inlineText($, $(spans[2]!));
    item.docNumber = raw ? normalizeDocNumber(raw) : docNumberFromTitle(listed);
  } else {
    const fromTitle = docNumberFromTitle(listed);
    if (fromTitle) item.docNumber = fromTitle;
  }
  return item;
}

/**
 * Parses a column page or a dataproxy answer.
 * @throws {ListLayoutError} when the body has no datastore records of a Hanweb column.
 */
export function parseList(body: string, request: ListRequest, column: SourceColumn): ListPage {
  const fragments = recordFragments(body);
  if (fragments.length === 0 && !/<recordset>/i.test(body)) {
    throw new ListLayoutError(`${request.url}: no <datastore>/<recordset> records (not a Hanweb column page or dataproxy answer; layout changed?)`);
  }
  const items: ListItem[] = [];
  const seen = new Set<string>();
  let withoutLink = 0;
  for (const fragment of fragments) {
    const item = readRecord(fragment, column);
    if (item === 'no-link') {
      withoutLink++;
      continue;
    }
    if (!item || seen.has(item.url)) continue;
    seen.add(item.url);
    items.push(item);
  }
  if (fragments.length > 0 && withoutLink === fragments.length) {
    throw new ListLayoutError(`${request.url}: ${fragments.length} records but none has a link (record markup changed?)`);
  }
  return { items, next: nextRequest(body, request, column, fragments.length) };
}

function nextRequest(body: string, request: ListRequest, column: SourceColumn, records: number): ListRequest | null {
  const total = readTotal(body);
  const url = new URL(request.url);
  if (url.pathname === PROXY_PATH) {
    const start = Number(url.searchParams.get('startrecord'));
    const end = Number(url.searchParams.get('endrecord'));
    const perPage = Number(url.searchParams.get('perpage')) || DEFAULT_PER_PAGE;
    const size = end - start + 1;
    if (!(start > 0 && size > 0) || records === 0) return null;
    if (total !== null ? end >= total : records < size) return null;
    if (!request.body) throw new ListLayoutError(`${request.url}: a dataproxy request without its form body cannot be continued`);
    const referer = request.headers?.Referer ?? column.first.url;
    return proxyRequest(end + 1, end + size, perPage, request.body, referer);
  }
  // a column page: the embedded records are the first group
  const perPage = readNumberSetting(body, 'perPage') ?? DEFAULT_PER_PAGE;
  const groupSize = readNumberSetting(body, 'groupSize') ?? DEFAULT_GROUP_SIZE;
  const size = perPage * groupSize;
  const shown = Math.max(size, records);
  if (records === 0 || (total !== null ? total <= shown : records < size)) return null;
  const params = readProxyParams(body);
  const unitId = readUnitId(body, params);
  if (!unitId) {
    throw new ListLayoutError(`${request.url}: ${total ?? 'more'} records but no unitid for dataproxy.jsp (no var param_<unitid> in the page)`);
  }
  return proxyRequest(shown + 1, shown + size, perPage, proxyForm(column, params, unitId), column.first.url);
}

// ------------------------------------------------------------------------------------------------
// Detail pages
// ------------------------------------------------------------------------------------------------

function firstText(...values: Array<string | null | undefined>): string | null {
  for (const v of values) {
    const t = v?.replace(/[\s\u3000\u00a0]+/g, ' ').trim();
    if (t) return t;
  }
  return null;
}

/**
 * Label/value pairs written as spans: `<span class="mu-sp-1">发布机构：</span><span class="mu-sp-2">…</span>`,
 * or any element whose text is a label ending in a colon followed by a sibling holding the value.
 */
export function readLabelledSpans($: CheerioAPI, scope: Cheerio<AnyNode>): Map<string, string> {
  const out = new Map<string, string>();
  scope.find('span, em, b, strong, label').each((_, el) => {
    if ($(el).closest('#zoom').length) return; // labels inside the text are the text
    const raw = $(el).text().replace(/[\s\u3000\u00a0]+/g, ' ').trim();
    if (!/[：:]$/u.test(raw) || $(el).children().length > 0) return;
    const key = labelKey(raw);
    if (!key || key.length > 8) return;
    const next = $(el).next();
    if (!next.length) return;
    const value = next.text().replace(/[\s\u3000\u00a0]+/g, ' ').trim();
    if (!out.has(key)) out.set(key, value);
  });
  return out;
}

const ORGAN_ENDING = /(?:部|委|局|办|院|署|会|行|厅|室|司|中心|政府|协|联|社|所)$/u;

/**
 * The issuing bodies a title opens with: `国家医疗保障局 财政部关于…` → both. Null when the title
 * does not open with body names (`关于…`, a topic).
 */
export function issuersFromTitle(title: string): string[] | null {
  const at = title.indexOf('关于');
  if (at <= 0) return null;
  const opening = title.slice(0, at).replace(/等(?:部门|单位)?$/u, '').trim();
  const names = opening.split(/[\s\u3000、，,]+/u).filter(Boolean);
  if (names.length === 0 || !names.every((n) => n.length >= 2 && ORGAN_ENDING.test(n))) return null;
  return names;
}

function splitIssuers(value: string | null): string[] {
  return value ? value.split(/[\s\u3000、，,；;]+/u).filter(Boolean) : [];
}

/**
 * Document files of this site: Hanweb download links (`/module/download/down.jsp?i_ID=…&colID=…`,
 * `downfile.jsp?filename=<document>`) and files in the `/attach/` store.
 */
function isSiteFile(url: string): boolean {
  try {
    const u = new URL(url);
    if (u.host !== HOST) return false;
    if (/^\/module\/download\/down\.jsp$/i.test(u.pathname)) return u.searchParams.has('i_ID');
    if (/^\/module\/download\/downfile\.jsp$/i.test(u.pathname)) {
      // downfile.jsp?classid=0&filename=<name>: a document only when the file name is one
      return isAttachmentUrl(`${BASE}/${u.searchParams.get('filename') ?? ''}`);
    }
    return u.pathname.startsWith('/attach/') && isAttachmentUrl(url);
  } catch {
    return false;
  }
}

function fileLinks($: CheerioAPI, scope: Cheerio<AnyNode>, pageUrl: string, accept: (url: string) => boolean): Attachment[] {
  const out: Attachment[] = [];
  scope.find('a[href]').each((_, a) => {
    const resolved = absoluteUrl($(a).attr('href'), pageUrl);
    if (!resolved) return;
    const url = canonicalUrl(resolved);
    if (!accept(url)) return;
    const name = inlineText($, $(a)) || $(a).attr('title')?.trim() || decodeURIComponent(url.split('/').pop() ?? url);
    out.push({ name, url });
  });
  return out;
}

/** The `<title>` is `<标题> <栏目> 国家医疗保障局` or `<标题>_<栏目>_…`. */
function titleFromDocumentTitle($: CheerioAPI): string | null {
  const full = $('head > title').first().text().replace(/\s+/g, ' ').trim();
  if (!full) return null;
  const cut = full.replace(/[\s_|-]*国家医疗保障局$/u, '').split(/_| - /)[0]?.trim();
  return cut || null;
}

/** A challenge page served with 200 instead of the notice (see `scrapers/lib/challenge.ts`). */
function challengeProblem(html: string): string | null {
  return detectChallenge(html)?.message ?? null;
}

/** Parses a detail page. Pure; never throws. */
export function parseDetail(html: string, url: string, item?: ListItem): DetailResult {
  try {
    return readDetail(html, url, item);
  } catch (error) {
    return { ok: false, problem: { code: 'malformed', message: `unreadable page: ${(error as Error).message}` } };
  }
}

function readDetail(html: string, url: string, item?: ListItem): DetailResult {
  const challenge = challengeProblem(html);
  if (challenge) return { ok: false, problem: { code: 'challenge', message: challenge } };
  const truncated = truncationProblem(html);
  if (truncated) return { ok: false, problem: { code: 'truncated', message: truncated } };
  const $ = loadHtml(html);
  const warnings: string[] = [];

  const fields = new Map<string, string>();
  const article = $('div.atricle-box, div.article-box, div.main').first();
  const scope = article.length ? article : $('body');
  for (const table of scope.find('table').toArray()) {
    if ($(table).closest('#zoom').length) continue; // tables inside the text are the text
    for (const [k, v] of readLabelledCells($, $(table))) if (!fields.has(k)) fields.set(k, v);
  }
  for (const [k, v] of readLabelledSpans($, scope)) if (!fields.has(k)) fields.set(k, v);
  const field = (...labels: string[]) => {
    for (const l of labels) {
      const v = fields.get(l)?.trim();
      if (v) return v;
    }
    return null;
  };

  const infoLine = inlineText($, $('div.atricle-info, div.article-info, div.info').first());
  const rawTitle = firstText(
    metaContent($, 'ArticleTitle'),
    field('标题', '名称'),
    $('span.mu-sp-2').first().text(),
    $('h1').first().text(),
    titleFromDocumentTitle($),
  );
  if (!rawTitle) {
    return { ok: false, problem: { code: 'no_title', message: 'no title in meta ArticleTitle, the 标题 field, span.mu-sp-2, <h1> or <title>' } };
  }

  const body = $('#zoom').first();
  const bodyRoot = body.length ? body : $('div.TRS_Editor').first();
  if (!bodyRoot.length) {
    if (/<datastore>/i.test(html)) {
      return { ok: false, problem: { code: 'not_a_notice', message: 'a column (list) page, not a notice page' } };
    }
    return { ok: false, problem: { code: 'no_body', message: 'no body container (div#zoom or div.TRS_Editor)' } };
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
  const pathDate = (() => {
    const m = DETAIL_PATH.exec(safePath(url));
    return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
  })();
  const writtenDate = date('成文日期', field('成文日期', '发文日期'));
  const publishedDate =
    date('发布日期', field('发布日期', '发布时间')) ??
    date('meta PubDate', metaContent($, 'PubDate')) ??
    date('发布时间', /发布(?:时间|日期)[：:]\s*(\d{4}-\d{1,2}-\d{1,2})/u.exec(infoLine)?.[1] ?? null) ??
    date('URL date', pathDate) ??
    item?.date ??
    null;

  const titleZh = stripAppendedDocNumber(rawTitle);
  const fieldNumber = field('发文字号', '文号');
  const docNumber = fieldNumber
    ? normalizeDocNumber(fieldNumber)
    : (docNumberFromTitle(rawTitle) ?? (item?.docNumber ? normalizeDocNumber(item.docNumber) : null));
  const docType = field('公文种类', '文种') ?? docTypeFromTitle(rawTitle);
  const issuerField = splitIssuers(field('发布机构', '发文机关', '发文单位', '发布单位'));
  const issuerNames = issuerField.length ? issuerField : (issuersFromTitle(titleZh) ?? [SITE_ISSUER]);
  const origin =
    metaContent($, 'ContentSource') ?? field('来源') ?? (/来源[：:]\s*(\S+)/u.exec(infoLine)?.[1] ?? null);

  // Attachments: document files in the body, and this site's /attach/ and down.jsp files anywhere.
  const inBody = fileLinks($, bodyRoot, url, (link) => isAttachmentUrl(link) || isSiteFile(link));
  const elsewhere = fileLinks($, $('body'), url, isSiteFile);

  return {
    ok: true,
    warnings,
    notice: {
      url,
      titleZh,
      docNumber,
      docType,
      issuerNames,
      writtenDate,
      publishedDate,
      effectiveDate: null,
      topicZh: field('主题分类', '分类'),
      indexNumber: field('索引号', '索引'),
      origin,
      validity: field('有效性', '时效'),
      bodyText,
      bodyHtml: bodyRoot.html(),
      attachments: dedupeAttachments([...inBody, ...elsewhere]),
    },
  };
}

function safePath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '';
  }
}

export function isDetailUrl(url: string): boolean {
  return DETAIL_URL.test(url);
}

export const source: Source = {
  id: 'nhsa',
  nameZh: '国家医疗保障局',
  nameKo: '국가의료보장국',
  nameEn: 'National Healthcare Security Administration (www.nhsa.gov.cn)',
  baseUrl: BASE,
  // every two hours at :31, 08:31–18:31 Beijing time on working days (other sources use :07 :19 :23 :41)
  schedule: '31 8-18/2 * * 1-5',
  cadenceDays: 7,
  columns,
  parseList,
  parseDetail,
  isDetailUrl,
};

export default source;
