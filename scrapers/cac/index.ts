/**
 * `cac` — the Cyberspace Administration of China (国家互联网信息办公室 / 中央网信办), www.cac.gov.cn
 * (中国网信网).
 *
 * Lists come from the site's JSON API: `POST /cms/JsonList` with the form fields `channelCode`,
 * `perPage`, `pageno`, answering `{totalRec, list: [{topic, infourl, pubtime}]}`; `infourl` is
 * protocol-relative (`//www.cac.gov.cn/2023-06/20/c_….htm`), `pubtime` `YYYY-MM-DD HH:mm:ss[.0]`.
 * The API reads the form body; the page number and channel are repeated in the request URL's query
 * (`/cms/JsonList?channelCode=A093702&pageno=2`) so every page is a distinct request (and a distinct
 * file in the test mirror). The HTML section pages (`A093702index_1.htm`) do not page past `_1`.
 *
 * Detail pages `/YYYY-MM/DD/c_<digits>.htm`: title `h1.title`, date `span#pubtime`
 * (`2023年06月20日 17:30`), 来源 `span#source` (the website that supplied the text, not the issuer),
 * body `div#BodyLabel` inside `div.main-content`. There is no metadata table: the 文号 is the
 * title's appended one or a 文号 line opening the text; the issuers are the bodies the title opens
 * with, or the signature block of a joint document (`国家数据局等部门关于…`), else 国家互联网信息办公室.
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

const BASE = 'https://www.cac.gov.cn';
const SITE_ISSUER = '国家互联网信息办公室';
const LIST_API = `${BASE}/cms/JsonList`;

/** Items asked for per API page (the site's own pages show 20; clients use 20–100). */
export const PER_PAGE = 10;

/** `/2023-06/20/c_1687….htm` (the id has 10–17 digits). */
const DETAIL_PATH = /^\/(\d{4})-(\d{2})\/(\d{2})\/c_\d{6,20}\.html?$/;
const DETAIL_URL = /^https?:\/\/www\.cac\.gov\.cn\/\d{4}-\d{2}\/\d{2}\/c_\d{6,20}\.html?$/;

/** Press Q&A and interpretations of a document are listed beside it; they are not notices. */
const NOT_A_NOTICE_TITLE = /答记者问|解读|图解/u;

/** The first request of a channel; later pages only change `pageno`. */
export function listRequest(channelCode: string, pageno: number, referer: string, perPage = PER_PAGE): ListRequest {
  const form = new URLSearchParams({ channelCode, perPage: String(perPage), pageno: String(pageno) });
  return {
    url: `${LIST_API}?channelCode=${channelCode}&pageno=${pageno}`,
    method: 'POST',
    body: form.toString(),
    contentType: 'application/x-www-form-urlencoded',
    headers: { Referer: referer },
    expect: 'json',
  };
}

function channel(id: string, nameZh: string, code: string, sectionPath: string): SourceColumn {
  return { id, nameZh, first: listRequest(code, 1, `${BASE}${sectionPath}`) };
}

export const columns: SourceColumn[] = [
  channel('wxfb', '网信发布', 'A093702', '/wxzw/wxfb/A093702index_1.htm'),
  channel('zcwj', '政策文件', 'A09370306', '/wxzw/zcfg/zcwj/A09370306index_1.htm'),
];

// ------------------------------------------------------------------------------------------------
// Lists
// ------------------------------------------------------------------------------------------------

interface JsonListItem {
  topic?: unknown;
  infourl?: unknown;
  pubtime?: unknown;
}

/** https and the canonical host; protocol-relative `//www.cac.gov.cn/…` resolves to https. */
export function canonicalUrl(url: string): string {
  return url.replace(/^https?:\/\/(?:www\.)?cac\.gov\.cn\//i, `${BASE}/`);
}

/** Titles in the API may carry markup (`<font color=red>`) and entities. */
function cleanTopic(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const text = loadHtml(`<div>${value}</div>`)('div').first().text().replace(/[\s\u3000\u00a0]+/g, ' ').trim();
  return text || null;
}

/** The form fields of a list request (the body), with the URL's query as a fallback. */
function requestFields(request: ListRequest): URLSearchParams {
  const fields = new URLSearchParams(request.body ?? '');
  const query = new URL(request.url).searchParams;
  for (const [k, v] of query) if (!fields.has(k)) fields.set(k, v);
  return fields;
}

function toCount(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : null;
}

/**
 * Parses a JsonList answer.
 * @throws {ListLayoutError} when the body is not a JsonList answer (HTML, changed JSON shape).
 */
export function parseList(body: string, request: ListRequest, column: SourceColumn): ListPage {
  let data: unknown;
  try {
    data = JSON.parse(body.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ListLayoutError(`${request.url}: not JSON (${(error as Error).message})`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data) || !Array.isArray((data as { list?: unknown }).list)) {
    throw new ListLayoutError(`${request.url}: expected {totalRec, list: [...]} from JsonList`);
  }
  const list = (data as { list: unknown[] }).list;
  const items: ListItem[] = [];
  const seen = new Set<string>();
  let withUrl = 0;
  for (const raw of list as JsonListItem[]) {
    if (!raw || typeof raw !== 'object' || typeof raw.infourl !== 'string' || !raw.infourl.trim()) continue;
    withUrl++;
    const resolved = absoluteUrl(raw.infourl, `${BASE}/`);
    if (!resolved) continue;
    const url = canonicalUrl(resolved);
    if (!isDetailUrl(url) || isAttachmentUrl(url)) continue; // other sites, files, section pages
    const title = cleanTopic(raw.topic);
    if (title && NOT_A_NOTICE_TITLE.test(title)) continue;
    if (seen.has(url)) continue;
    seen.add(url);
    let date: string | null = null;
    if (typeof raw.pubtime === 'string') {
      try {
        date = parseSiteDate(raw.pubtime);
      } catch {
        date = null; // the detail page has its own date
      }
    }
    items.push({ url, column: column.id, title: title ? stripAppendedDocNumber(title) : null, date, ...docNumberOf(title) });
  }
  if (list.length > 0 && withUrl === 0) {
    throw new ListLayoutError(`${request.url}: ${list.length} entries but none has an infourl (JsonList format changed?)`);
  }

  const fields = requestFields(request);
  const pageno = Number(fields.get('pageno')) || 1;
  const perPage = Number(fields.get('perPage')) || PER_PAGE;
  const total = toCount((data as { totalRec?: unknown }).totalRec);
  const more = list.length > 0 && (total !== null ? pageno * perPage < total : list.length >= perPage);
  const code = fields.get('channelCode');
  const next = more && code ? listRequest(code, pageno + 1, request.headers?.Referer ?? `${BASE}/`, perPage) : null;
  return { items, next };
}

function docNumberOf(title: string | null): { docNumber?: string } {
  const n = title ? docNumberFromTitle(title) : null;
  return n ? { docNumber: n } : {};
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

const ORGAN_ENDING = /(?:部|委|局|办|院|署|会|行|厅|室|司|中心|政府|协|联|社|所)$/u;

/**
 * The issuing bodies a title opens with (`国家发展改革委 国家数据局关于…` → both).
 * `partial` when the opening ends in 等部门 (more issuers than named).
 */
export function issuersFromTitle(title: string): { names: string[]; partial: boolean } | null {
  const at = title.indexOf('关于');
  if (at <= 0) return null;
  let opening = title.slice(0, at).trim();
  const partial = /等(?:部门|单位)?$/u.test(opening);
  opening = opening.replace(/等(?:部门|单位)?$/u, '').trim();
  const names = opening.split(/[\s\u3000、，,]+/u).filter(Boolean);
  if (names.length === 0 || !names.every((n) => n.length >= 2 && ORGAN_ENDING.test(n))) return null;
  return { names, partial };
}

const DATE_LINE = /^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$/u;

/** One signature line: a spaced single name (`国 家 数 据 局`) or several names (`科技部 中国科协`). */
function signatureNames(line: string): string[] | null {
  const tokens = line.split(/[\s\u3000]+/u).filter(Boolean);
  if (tokens.length > 1 && tokens.every((t) => t.length >= 2 && ORGAN_ENDING.test(t))) return tokens;
  const joined = tokens.join('');
  if (joined.length >= 2 && joined.length <= 20 && /^\p{Script=Han}+$/u.test(joined) && ORGAN_ENDING.test(joined)) return [joined];
  return null;
}

/**
 * The first signature block of a text: organ-name lines directly above a line that is only a date.
 * @returns the names (spaces inside a name removed) and the date line, or null.
 */
export function signatureBlock(bodyText: string): { names: string[]; date: string } | null {
  const lines = bodyText.split('\n').map((l) => l.trim());
  for (let i = 1; i < lines.length; i++) {
    if (!DATE_LINE.test(lines[i]!)) continue;
    const names: string[] = [];
    for (let j = i - 1; j >= 0; j--) {
      const found = signatureNames(lines[j]!);
      if (!found) break;
      names.unshift(...found);
    }
    if (names.length) return { names, date: lines[i]! };
  }
  return null;
}

/** A 文号 standing alone on one of the first lines of the text (`国数政策〔2023〕11号`). */
function docNumberFromBody(bodyText: string): string | null {
  for (const line of bodyText.split('\n').slice(0, 3)) {
    const t = line.trim();
    if (/^[\p{Script=Han}\s]{2,30}[〔[［【(（]\s*\d{4}\s*[〕\]］】)）]\s*\d{1,4}\s*号$/u.test(t)) return normalizeDocNumber(t);
  }
  return null;
}

function fileLinks($: CheerioAPI, scope: Cheerio<AnyNode>, pageUrl: string): Attachment[] {
  const out: Attachment[] = [];
  scope.find('a[href]').each((_, a) => {
    const resolved = absoluteUrl($(a).attr('href'), pageUrl);
    if (!resolved) return;
    const url = canonicalUrl(resolved);
    if (!isAttachmentUrl(url)) return;
    const name = inlineText($, $(a)) || $(a).attr('title')?.trim() || decodeURIComponent(url.split('/').pop() ?? url);
    out.push({ name, url });
  });
  return out;
}

/** `<title>` is `<标题>_中央网络安全和信息化委员会办公室` or `<标题> - 中国网信网`. */
function titleFromDocumentTitle($: CheerioAPI): string | null {
  const full = $('head > title').first().text().replace(/\s+/g, ' ').trim();
  if (!full) return null;
  const cut = full
    .replace(/\s*[-_|]\s*(?:中共)?中央网络安全和信息化委员会办公室.*$/u, '')
    .replace(/\s*[-_|]\s*中国网信网.*$/u, '')
    .replace(/\s*[-_|]\s*国家互联网信息办公室$/u, '')
    .trim();
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

  const rawTitle = firstText(
    metaContent($, 'ArticleTitle'),
    $('h1.title').first().text(),
    $('div.title h1, h1').first().text(),
    titleFromDocumentTitle($),
  );
  if (!rawTitle) {
    return { ok: false, problem: { code: 'no_title', message: 'no title in meta ArticleTitle, h1.title, <h1> or <title>' } };
  }

  const body = $('#BodyLabel').first();
  const bodyRoot = body.length ? body : $('div.main-content').first();
  if (!bodyRoot.length) {
    return { ok: false, problem: { code: 'no_body', message: 'no body container (div#BodyLabel or div.main-content)' } };
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
  const pubtime = inlineText($, $('#pubtime').first());
  const publishedDate =
    date('meta PubDate', metaContent($, 'PubDate')) ??
    date('pubtime', pubtime || null) ??
    date('URL date', pathDate) ??
    item?.date ??
    null;

  const signature = signatureBlock(bodyText);
  const writtenDate = signature ? date('落款日期', signature.date) : null;

  const titleZh = stripAppendedDocNumber(rawTitle);
  const docNumber = docNumberFromTitle(rawTitle) ?? docNumberFromBody(bodyText) ?? (item?.docNumber ? normalizeDocNumber(item.docNumber) : null);
  const fromTitle = issuersFromTitle(titleZh);
  const issuerNames =
    fromTitle && !fromTitle.partial
      ? fromTitle.names
      : (signature?.names.length ?? 0) > (fromTitle?.names.length ?? 0)
        ? signature!.names
        : (fromTitle?.names ?? [SITE_ISSUER]);

  const sourceText = inlineText($, $('#source').first());
  const origin = metaContent($, 'ContentSource') ?? (sourceText.replace(/^来源[：:]\s*/u, '').trim() || null);

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
      validity: null,
      bodyText,
      bodyHtml: bodyRoot.html(),
      attachments: dedupeAttachments(fileLinks($, bodyRoot, url)),
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
  id: 'cac',
  nameZh: '国家互联网信息办公室（中国网信网）',
  nameKo: '국가인터넷정보판공실(중국 사이버공간관리국)',
  nameEn: 'Cyberspace Administration of China (www.cac.gov.cn)',
  baseUrl: BASE,
  // every two hours at :53, 09:53–19:53 Beijing time on working days (odd hours, apart from the others)
  schedule: '53 9-19/2 * * 1-5',
  cadenceDays: 3,
  columns,
  parseList,
  parseDetail,
  isDetailUrl,
};

export default source;
