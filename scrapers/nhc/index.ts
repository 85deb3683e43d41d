/**
 * `nhc` — National Health Commission (国家卫生健康委员会), www.nhc.gov.cn: 政策文件 and 规范性文件.
 *
 * Lists are static pages: `/wjw/zcwj/list.shtml` (政策文件) and `/wjw/gfxwjj/list.shtml` (规范性文件),
 * further pages `list_2.shtml`, `list_3.shtml` …; rows `ul.zxxx_list > li` → `a[href][title]` and
 * `span.ml` (`YYYY-MM-DD`); the page count is in the pager call
 * `createPageHTML('page_div',<pages>, <current>,'list','shtml',<records>)`. (规范性文件 is listed at
 * `/wjw/gfxwjj/`, as 2025–26 clients read it; its documents live under `/wjw/gfxwj/YYYYMM/`.)
 *
 * Detail pages `/<dept>/<col>/YYYYMM/<32hex>.shtml` (`<col>` is `cNNNNNN` now, `sNNNN` on older pages,
 * or a word such as `zhengcwj`): meta `ArticleTitle`, `PubDate`; `div.tit` (title); `div.source` with
 * `发布时间：YYYY-MM-DD` and `span.mr` `来源: <司局>` (the posting department — not the issuer); body
 * `div#xw_box.con`; attachments `<32hex>/files/<32hex>.pdf` relative to the page. There is no 发文字号
 * field: the 文号 is read from the title (`…的通知（国医保电〔2020〕5号）`, `…公告（2020年第1号）`).
 *
 * Anti-bot: plain clients get HTTP 412 and a 瑞数 JavaScript cookie challenge, so the source needs a
 * browser (`needsBrowser`); a 200 answer carrying the challenge is reported as `challenge`.
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
import { detectChallenge, issuersFromTitle, signatureDate, splitAnnouncementNumber } from '../lib/ministry-page.js';

const BASE = 'https://www.nhc.gov.cn';
/** The commission as the site names itself; the issuer when a page names no other. */
export const SITE_BODY = '中华人民共和国国家卫生健康委员会';

const SITE_HOST = /^(?:www\.)?nhc\.gov\.cn$/i;
/** `/xcs/zhengcwj/202212/<hex>.shtml`, `/jkj/s7916/202001/<hex>.shtml`, `/wjw/gfxwj/201304/<hex>.shtml` … */
const DETAIL_PATH = /^\/[a-z0-9]+(?:\/[a-z0-9]+)?\/\d{6}\/[0-9a-f]{32}\.shtml$/;

export const columns: SourceColumn[] = [
  { id: 'zcwj', nameZh: '政策文件', first: { url: `${BASE}/wjw/zcwj/list.shtml`, expect: 'html' } },
  { id: 'gfxwjj', nameZh: '规范性文件', first: { url: `${BASE}/wjw/gfxwjj/list.shtml`, expect: 'html' } },
];

/** nhc.gov.cn answers on http and https, with and without www.; the canonical form is https://www. */
export function canonicalUrl(url: string): string {
  try {
    const u = new URL(url);
    if (SITE_HOST.test(u.hostname)) {
      u.protocol = 'https:';
      u.hostname = 'www.nhc.gov.cn';
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

/** 解读, 图解 and video rows explain a document; their pages have detail-page URLs too. */
const NOT_A_DOCUMENT_TITLE = /解读$|政策解读|^图解|一图读懂|\[视频\]|答记者问/u;
/** `createPageHTML('page_div',31, 1,'list','shtml',735);` */
const PAGER = /createPageHTML\(\s*['"]page_div['"]\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*['"]([\w-]+)['"]\s*,\s*['"](\w+)['"]/;

/** The page number a list URL stands for: `list.shtml` is 1, `list_3.shtml` is 3. */
function pageOfUrl(url: string): number {
  const m = /_(\d+)\.s?html?$/.exec(new URL(url).pathname);
  return m ? Number(m[1]) : 1;
}

/**
 * Parses a list page.
 * @throws {ListLayoutError} for a challenge page or a page without `ul.zxxx_list` (maintenance page,
 *   changed template), or a pager that says another page than the one asked for
 */
export function parseList(body: string, request: ListRequest, column: SourceColumn): ListPage {
  const challenge = detectChallenge(body, /class=["'][^"']*\bzxxx_list\b/);
  if (challenge) throw new ListLayoutError(`${request.url}: ${challenge.message}`);
  const $ = loadHtml(body);
  const list = $('ul.zxxx_list');
  if (!list.length) {
    throw new ListLayoutError(`${request.url}: no ul.zxxx_list on the page (maintenance page or changed list template?)`);
  }
  const items: ListItem[] = [];
  const seen = new Set<string>();
  list.children('li').each((_, li) => {
    const row = $(li);
    const a = row.find('a[href]').first();
    const href = absoluteUrl(a.attr('href'), request.url);
    if (!href) return;
    const url = canonicalUrl(href);
    const title = (a.attr('title') ?? inlineText($, a)).replace(/\s+/gu, ' ').trim() || null;
    if (!isDetailUrl(url) || (title && NOT_A_DOCUMENT_TITLE.test(title)) || seen.has(url)) return;
    seen.add(url);
    let date: string | null = null;
    try {
      date = parseSiteDate(inlineText($, row.find('span.ml').first()));
    } catch {
      date = null; // the detail page has its own date
    }
    items.push({ url, column: column.id, title, date });
  });

  let next: ListRequest | null = null;
  const pager = PAGER.exec(body);
  if (pager) {
    const pages = Number(pager[1]);
    const current = Number(pager[2]);
    const asked = pageOfUrl(request.url);
    if (current !== asked) {
      throw new ListLayoutError(`${request.url}: asked for page ${asked} but the pager says page ${current}`);
    }
    if (current < pages) {
      const folder = request.url.slice(0, request.url.lastIndexOf('/') + 1);
      next = { url: `${folder}${pager[3]}_${current + 1}.${pager[4]}`, expect: 'html' };
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

function titleFromDocumentTitle($: CheerioAPI): string | null {
  const full = $('head > title').first().text().trim();
  if (!full) return null;
  return full.split(/\s*[-_|]\s*(?:中华人民共和国)?国家卫生健康委员会.*$/u)[0]?.trim() || null;
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
  const challenge = detectChallenge(html, /id=["']?xw_box\b|class=["']tit["']/);
  if (challenge) return { ok: false, problem: { code: 'challenge', message: challenge.message } };
  const truncated = truncationProblem(html);
  if (truncated) return { ok: false, problem: { code: 'truncated', message: truncated } };
  const $ = loadHtml(html);
  const warnings: string[] = [];

  const rawTitle = firstText(
    metaContent($, 'ArticleTitle'),
    $('div.tit').first().text(),
    $('div.list h1, h1').first().text(),
    titleFromDocumentTitle($),
  );
  if (!rawTitle) {
    return { ok: false, problem: { code: 'no_title', message: 'no title in meta ArticleTitle, div.tit, h1 or <title>' } };
  }

  const body = $('div#xw_box').first();
  const bodyRoot = body.length ? body : $('div.con').first();
  if (!bodyRoot.length) {
    return { ok: false, problem: { code: 'no_body', message: 'no body container (div#xw_box or div.con)' } };
  }
  const bodyText = blockText($, bodyRoot);
  if (!bodyText && !bodyRoot.find('a[href]').length) {
    return { ok: false, problem: { code: 'no_body', message: 'the body container (div#xw_box) is empty' } };
  }

  const date = (label: string, value: string | null): string | null => {
    try {
      return parseSiteDate(value);
    } catch (error) {
      if (error instanceof BadDateError) warnings.push(`${label} ${error.message}; stored as unknown`);
      return null;
    }
  };
  const sourceLine = inlineText($, $('div.source').first());
  const published = /发布时间[：:]\s*([\d\-/.年月日]+)/u.exec(sourceLine)?.[1] ?? null;
  const publishedDate =
    date('meta PubDate', metaContent($, 'PubDate')) ?? date('发布时间', published) ?? item?.date ?? null;
  const writtenDate = signatureDate(bodyText);

  const announcement = splitAnnouncementNumber(rawTitle);
  const titleZh = announcement ? announcement.title : stripAppendedDocNumber(rawTitle);
  const docNumber = announcement ? announcement.number : docNumberFromTitle(rawTitle);
  const docType = docTypeFromTitle(titleZh);
  const issuerNames = issuersFromTitle(titleZh);

  const mr = inlineText($, $('div.source span.mr').first());
  const origin = firstText(
    /来源[：:]\s*(.+)$/u.exec(mr)?.[1],
    /来源[：:]\s*(\S+)/u.exec(sourceLine)?.[1],
    metaContent($, 'ContentSource'),
  );

  // files of this document: inside the body, or `<hex>/files/…` links elsewhere on the page
  const folder = url.slice(0, url.lastIndexOf('/') + 1);
  const fromBody = attachmentLinks($, bodyRoot, url);
  const elsewhere = attachmentLinks($, $('body'), url, (link) => link.startsWith(folder) && /\/files\//.test(link));

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
      topicZh: null,
      indexNumber: null,
      origin,
      validity: null,
      bodyText,
      bodyHtml: bodyRoot.html(),
      attachments: dedupeAttachments([...fromBody, ...elsewhere]),
    },
  };
}

export const source: Source = {
  id: 'nhc',
  nameZh: '中华人民共和国国家卫生健康委员会 政策文件',
  nameKo: '중화인민공화국 국가위생건강위원회 정책 문건',
  nameEn: 'National Health Commission — policy documents (www.nhc.gov.cn)',
  baseUrl: BASE,
  // at :41 past 10, 14 and 17 o'clock Beijing time on working days
  schedule: '41 10,14,17 * * 1-5',
  cadenceDays: 7,
  columns,
  needsBrowser: true,
  parseList,
  parseDetail,
  isDetailUrl,
};

export default source;
