/**
 * Reading pages of TRS-CMS ministry sites (MOST, NDRC …): list paging scripts, label/value tables
 * without reliable colons, the signature block of a document (signers and 成文日期), a 文号 written
 * as the first line of the text, issuers named in a title, and anti-bot challenge pages.
 *
 * Shared by the MOST and NDRC sources.
 * @module
 */
import type { AnyNode } from 'domhandler';
import type { Cheerio } from 'cheerio';
import { normalizeDocNumber } from '../../src/domain/document.js';
import { detectChallenge } from './challenge.js';
import { type CheerioAPI, inlineText, labelKey } from './html.js';

/** Whitespace including U+3000 and no-break spaces. */
const SPACE = /[\s\u3000\u00a0\u2002\u2003\u2009\ufeff]+/gu;

/** `科 技 部` → `科技部`. */
export function despace(text: string): string {
  return text.replace(SPACE, '');
}

// ---------------------------------------------------------------------------------------------
// Anti-bot challenge pages
// ---------------------------------------------------------------------------------------------

/** A challenge page served instead of the page (see `challenge.ts`). @returns its description, or null. */
export function challengeProblem(html: string): string | null {
  return detectChallenge(html)?.message ?? null;
}

// ---------------------------------------------------------------------------------------------
// List paging: index.html, index_1.html … index_{N-1}.html
// ---------------------------------------------------------------------------------------------

/** The page number of a list URL: `…/` and `…/index.html` are 0, `…/index_3.html` is 3; null for other URLs. */
export function listPageIndex(url: string): number | null {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return null;
  }
  if (path.endsWith('/') || /\/index\.s?html?$/.test(path)) return 0;
  const m = /\/index_(\d+)\.s?html?$/.exec(path);
  return m ? Number(m[1]) : null;
}

/** The URL of list page `index` in the same folder as `url` (`index.html` for 0). */
export function listPageUrl(url: string, index: number): string {
  const folder = url.replace(/[?#].*$/, '').replace(/[^/]*$/, '');
  return `${folder}${index === 0 ? 'index.html' : `index_${index}.html`}`;
}

/**
 * The number of list pages a TRS list page announces in its paging script:
 * `var pagination_script_config = {total: 12, current: 0, …}`, `createPageHTML(12, 0, "index", "html")`
 * (optionally with an element id first) or `var countPage = 12`.
 * @returns total pages and the page the script says is current (0-based), or null when there is no paging script.
 */
export function listPaging(html: string): { total: number; current: number | null } | null {
  const config = /pagination_script_config\s*=\s*\{([\s\S]{0,2000}?)\}/.exec(html);
  if (config) {
    const total = /["']?total["']?\s*:\s*["']?(\d+)/.exec(config[1]!);
    const current = /["']?current["']?\s*:\s*["']?(\d+)/.exec(config[1]!);
    if (total) return { total: Number(total[1]), current: current ? Number(current[1]) : null };
  }
  const create = /createPageHTML\s*\(([^)]*)\)/.exec(html);
  if (create) {
    const numbers = create[1]!
      .split(',')
      .map((a) => a.trim().replace(/^["']|["']$/g, ''))
      .filter((a) => /^\d+$/.test(a))
      .map(Number);
    if (numbers.length >= 1) return { total: numbers[0]!, current: numbers[1] ?? null };
  }
  const count = /\bcountPage\s*=\s*["']?(\d+)/.exec(html);
  if (count) return { total: Number(count[1]), current: null };
  return null;
}

// ---------------------------------------------------------------------------------------------
// Label/value tables
// ---------------------------------------------------------------------------------------------

/** Labels recognised even without a trailing colon, and the key each is stored under. */
const LABELS: Record<string, string> = {
  索引号: '索引号',
  主题分类: '主题分类',
  发文机关: '发文机关',
  发文单位: '发文机关',
  发布机构: '发文机关',
  成文日期: '成文日期',
  发文日期: '成文日期',
  标题: '标题',
  名称: '标题',
  发文字号: '发文字号',
  文号: '发文字号',
  发布日期: '发布日期',
  公开日期: '发布日期',
  公文种类: '公文种类',
  文种: '公文种类',
  有效性: '有效性',
  时效性: '有效性',
  来源: '来源',
  所属机构: '所属机构',
};

/**
 * Reads label/value pairs from a metadata table by label. A cell is a label when its text, without
 * whitespace and a trailing colon, is a known label (with or without the colon), or any short text
 * ending in a colon; the next cell is its value. Synonyms are stored under one key
 * (文号 → 发文字号, 发文单位 → 发文机关, 名称 → 标题 …).
 * @returns label → value (first occurrence wins), whitespace collapsed.
 */
export function readLabelTable($: CheerioAPI, table: Cheerio<AnyNode>): Map<string, string> {
  const out = new Map<string, string>();
  table.find('tr').each((_, tr) => {
    const cells = $(tr).children('td, th').toArray();
    for (let i = 0; i < cells.length; i++) {
      const cell = $(cells[i]!);
      if (cell.find('table').length) continue;
      const raw = inlineText($, cell);
      const key = labelKey(raw);
      const known = LABELS[key];
      const colon = /[：:]$/u.test(raw) && key.length > 0 && key.length <= 8;
      if (!known && !colon) continue;
      const next = cells[i + 1];
      if (!next) continue;
      const value = inlineText($, $(next));
      const name = known ?? key;
      if (!out.has(name)) out.set(name, value);
      i++;
    }
  });
  return out;
}

/** How many of the core metadata labels a table has (to tell a metadata table from a table in the text). */
export function metadataLabelCount(fields: Map<string, string>): number {
  return ['索引号', '发文机关', '成文日期', '发文字号', '发布日期', '主题分类'].filter((l) => fields.has(l)).length;
}

// ---------------------------------------------------------------------------------------------
// The text of a document: 文号 line, signature block
// ---------------------------------------------------------------------------------------------

/** A whole line that is a 文号: `国科发智〔2020〕167号`, `发改价格〔2020〕994号`. */
const DOC_NUMBER_LINE = /^[\p{Script=Han}A-Za-z]{1,16}[〔\[【［(（]\d{4}[〕\]】］)）]第?\d+号$/u;

/**
 * The 文号 a page writes as the first (or second) line of the text, above the salutation.
 * @returns the normalised 文号, or null.
 */
export function leadingDocNumber(lines: string[]): string | null {
  for (const line of lines.slice(0, 2)) {
    const bare = despace(line);
    if (DOC_NUMBER_LINE.test(bare)) return normalizeDocNumber(bare);
  }
  return null;
}

const DATE_LINE = /^\d{4}年\d{1,2}月\d{1,2}日$/u;

/**
 * Names on one signature line: `科 技 部` (a name spaced out) → [科技部];
 * `科技部 中央宣传部` → both; null when the line is not a signature line (punctuation, digits …).
 */
export function signerNames(line: string): string[] | null {
  const tokens = line.split(SPACE).filter(Boolean);
  if (tokens.length === 0 || !tokens.every((t) => /^\p{Script=Han}+$/u.test(t))) return null;
  if (tokens.every((t) => t.length === 1)) {
    const name = tokens.join('');
    return name.length >= 2 && name.length <= 24 ? [name] : null;
  }
  return tokens.every((t) => t.length >= 2 && t.length <= 24) ? tokens : null;
}

/**
 * The signature block of a document: the first line that is only a date (`2020年6月24日`) right
 * under one or more signature lines (issuing bodies' names, possibly spaced out).
 * @returns the date as written and the signers in order, or null when the text has no such block.
 */
export function findSignature(lines: string[]): { dateText: string; signers: string[] } | null {
  for (let i = 1; i < lines.length; i++) {
    const bare = despace(lines[i]!);
    if (!DATE_LINE.test(bare)) continue;
    const signers: string[] = [];
    for (let j = i - 1; j >= 0; j--) {
      const names = signerNames(lines[j]!);
      if (!names) break;
      signers.unshift(...names);
    }
    if (signers.length) return { dateText: bare, signers };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Issuers named in a title
// ---------------------------------------------------------------------------------------------

/** Separators between jointly issuing bodies. */
const ISSUER_SEPARATORS = /[\s\u3000\u00a0、，,；;／/]+/u;

export function splitIssuers(value: string | null | undefined): string[] {
  return value ? value.split(ISSUER_SEPARATORS).map((s) => s.trim()).filter(Boolean) : [];
}

/**
 * The issuing bodies a title names before 关于 (`科技部 中央宣传部 卫生健康委 中国科协关于…`).
 * `国家数据局等部门关于…` names only the lead body: `partial` is then true.
 * @returns null when the title does not start with issuers (`关于…`, or a prefix that is not names).
 */
export function issuersFromTitle(title: string): { names: string[]; partial: boolean } | null {
  const at = title.indexOf('关于');
  if (at <= 0) return null;
  const prefix = title.slice(0, at).trim();
  if (prefix.length > 120 || /[《》“”"'（）()〔〕:：。]/u.test(prefix)) return null;
  const lead = /^(.+?)等(?:\d+|[一二三四五六七八九十]+)?个?(?:部门|单位|机构|部委)$/u.exec(prefix);
  const names = splitIssuers(lead ? lead[1] : prefix);
  if (names.length === 0 || !names.every((n) => /^\p{Script=Han}{2,30}$/u.test(n))) return null;
  return { names, partial: !!lead };
}

/**
 * Issuers when the title names only the lead body (`…等部门关于…`): the signature block when it
 * starts with that body, else just the lead.
 */
export function issuersWithSignature(
  fromTitle: { names: string[]; partial: boolean },
  lines: string[],
  warnings: string[],
): string[] {
  if (!fromTitle.partial) return fromTitle.names;
  const signature = findSignature(lines);
  if (signature && signature.signers[0] === fromTitle.names[0]) return signature.signers;
  warnings.push(`the title names only the lead issuer (${fromTitle.names.join(' ')}等) and the text has no matching signature block`);
  return fromTitle.names;
}

// ---------------------------------------------------------------------------------------------
// Odds and ends
// ---------------------------------------------------------------------------------------------

/**
 * The text of an info line such as `<span>发布时间：…</span><span>来源：价格司</span><span>[ 字号 …]</span>`,
 * with a space between its child elements so adjacent spans do not run together.
 */
export function segmentedText($: CheerioAPI, el: Cheerio<AnyNode>): string {
  if (!el.length) return '';
  const parts = el
    .contents()
    .toArray()
    .map((node) => (node.type === 'text' ? $(node).text() : inlineText($, $(node))));
  return parts.join(' ').replace(SPACE, ' ').trim();
}

/** The value after `label：` in an info line, up to whitespace or a bracket. */
export function labelledValue(line: string, label: RegExp): string | null {
  const m = new RegExp(`(?:${label.source})[：:]\\s*([^\\s\\[【|｜]+)`, 'u').exec(line);
  return m?.[1] ?? null;
}

/** The first non-empty text, whitespace collapsed. */
export function firstText(...values: Array<string | null | undefined>): string | null {
  for (const v of values) {
    const t = v?.replace(SPACE, ' ').trim();
    if (t) return t;
  }
  return null;
}

/** Whether `link` is a file in the same folder as the page (`./W0….pdf`, `./P0….docx`). */
export function isSameFolder(link: string, pageUrl: string): boolean {
  const folder = pageUrl.slice(0, pageUrl.lastIndexOf('/') + 1);
  return link.startsWith(folder) && !link.slice(folder.length).includes('/');
}
