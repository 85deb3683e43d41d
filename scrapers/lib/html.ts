/**
 * HTML reading shared by the source parsers: block-aware text, label/value tables read by label,
 * attachment links, meta tags, and the signs of a truncated page.
 * @module
 */
import * as cheerio from 'cheerio';
import type { Cheerio, CheerioAPI } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import type { Attachment } from '../../src/db/schema.js';

export type { CheerioAPI };

export function loadHtml(html: string): CheerioAPI {
  return cheerio.load(html);
}

const BLOCK_TAGS = new Set([
  'p', 'div', 'br', 'tr', 'li', 'ul', 'ol', 'table', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'section', 'article', 'blockquote', 'pre', 'dd', 'dt', 'dl', 'center', 'hr',
]);
const SKIP_TAGS = new Set(['script', 'style', 'noscript', 'template', 'iframe', 'object', 'canvas']);

/** Whitespace including U+3000 and no-break spaces. */
const SPACE = /[\s\u3000\u00a0\u2002\u2003\u2009\ufeff]+/gu;

/** Boilerplate lines the sites put inside content blocks. */
const BOILERPLATE = [/^扫一扫在手机打开当前页$/u, /^【?我要纠错】?$/u, /^责任编辑[：:]/u, /^分享到[：:]?$/u];

/**
 * The text of an element with block elements as line breaks; lines trimmed, spaces collapsed,
 * empty and boilerplate lines dropped.
 */
export function blockText($: CheerioAPI, root: Cheerio<AnyNode>): string {
  const parts: string[] = [];
  const walk = (node: AnyNode) => {
    if (node.type === 'text') {
      parts.push((node as unknown as { data: string }).data);
      return;
    }
    if (node.type !== 'tag' && node.type !== 'root') return;
    const el = node as Element;
    const tag = el.tagName?.toLowerCase();
    if (tag && SKIP_TAGS.has(tag)) return;
    const block = tag ? BLOCK_TAGS.has(tag) : false;
    if (block) parts.push('\n');
    if (tag === 'td' || tag === 'th') parts.push(' ');
    for (const child of el.children ?? []) walk(child);
    if (block) parts.push('\n');
  };
  root.each((_, node) => walk(node));
  return parts
    .join('')
    .split('\n')
    .map((line) => line.replace(SPACE, ' ').trim())
    .filter((line) => line && !BOILERPLATE.some((re) => re.test(line)))
    .join('\n');
}

/** The text of an element on one line, whitespace collapsed. */
export function inlineText($: CheerioAPI, el: Cheerio<AnyNode>): string {
  return el.text().replace(SPACE, ' ').trim();
}

/** A label cell's key: no whitespace (incl. U+3000, &nbsp;) and no trailing colon. `标  题：` → `标题`. */
export function labelKey(text: string): string {
  return text.replace(SPACE, '').replace(/[：:]+$/u, '');
}

/**
 * Reads label/value pairs from table cells. A cell whose text ends with a colon is a label and the
 * next cell its value, wherever they sit, so a changed column order or an added row still parses.
 * @returns label → value (first occurrence wins), values with whitespace collapsed.
 */
export function readLabelledCells($: CheerioAPI, table: Cheerio<AnyNode>): Map<string, string> {
  const out = new Map<string, string>();
  table.find('tr').each((_, tr) => {
    const cells = $(tr).children('td, th').toArray();
    for (let i = 0; i < cells.length; i++) {
      const raw = $(cells[i]!).text().replace(SPACE, ' ').trim();
      if (!/[：:]$/u.test(raw)) continue;
      const key = labelKey(raw);
      const next = cells[i + 1];
      if (!key || key.length > 8 || !next) continue;
      const value = $(next).text().replace(SPACE, ' ').trim();
      if (!out.has(key)) out.set(key, value);
      i++;
    }
  });
  return out;
}

export const ATTACHMENT_EXTENSIONS = ['pdf', 'doc', 'docx', 'xls', 'xlsx', 'wps', 'et', 'ofd', 'zip', 'rar', 'txt', 'ceb'];
const ATTACHMENT_RE = new RegExp(`\\.(${ATTACHMENT_EXTENSIONS.join('|')})$`, 'i');

/** @returns whether a URL points at a document file rather than a page. */
export function isAttachmentUrl(url: string): boolean {
  try {
    return ATTACHMENT_RE.test(new URL(url).pathname);
  } catch {
    return false;
  }
}

/** Resolves `href` against the page URL; null for `javascript:`, `mailto:` and unparsable links. */
export function absoluteUrl(href: string | undefined, base: string): string | null {
  if (!href) return null;
  const trimmed = href.trim();
  if (!trimmed || /^(javascript|mailto|tel|data):/i.test(trimmed) || trimmed.startsWith('#')) return null;
  try {
    const url = new URL(trimmed, base);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    url.hash = '';
    return url.toString();
  } catch {
    return null;
  }
}

/**
 * Attachment links under `scope`, in page order, without repeats.
 * @param accept extra test on the resolved URL (e.g. only files of this document's folder)
 */
export function attachmentLinks(
  $: CheerioAPI,
  scope: Cheerio<AnyNode>,
  pageUrl: string,
  accept: (url: string) => boolean = () => true,
): Attachment[] {
  const out: Attachment[] = [];
  scope.find('a[href]').each((_, a) => {
    const url = absoluteUrl($(a).attr('href'), pageUrl);
    if (!url || !isAttachmentUrl(url) || !accept(url)) return;
    const text = inlineText($, $(a)) || $(a).attr('title')?.trim() || decodeURIComponent(url.split('/').pop() ?? url);
    out.push({ name: text, url });
  });
  return dedupeAttachments(out);
}

export function dedupeAttachments(list: Attachment[]): Attachment[] {
  const seen = new Set<string>();
  return list.filter((a) => (seen.has(a.url) ? false : (seen.add(a.url), true)));
}

/** `<meta name=… content=…>` (name matched case-insensitively). */
export function metaContent($: CheerioAPI, name: string): string | null {
  const lower = name.toLowerCase();
  const el = $('meta[name]')
    .filter((_, m) => ($(m).attr('name') ?? '').toLowerCase() === lower)
    .first();
  const value = el.attr('content')?.trim();
  return value ? value : null;
}

/**
 * A page cut off in transfer lacks its closing `</html>` (every template the sources use has one).
 * @returns a description of the problem, or null when the page looks complete.
 */
export function truncationProblem(html: string): string | null {
  const tail = html.slice(-2048).toLowerCase();
  if (!tail.includes('</html')) return 'page ends before </html> (truncated in transfer?)';
  return null;
}
