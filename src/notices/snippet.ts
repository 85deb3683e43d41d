/**
 * Search snippets: a short stretch of text around the first occurrence of the query's terms, with
 * every occurrence marked. Plain text plus offsets, so each consumer marks it its own way (the API
 * also gives HTML with `<mark>`, escaped).
 * @module
 */
import type { ParsedQuery } from '../domain/search-text.js';

export interface Snippet {
  /** Plain text; `…` where it was cut. */
  text: string;
  /** `[start, end)` offsets (UTF-16) of the occurrences in `text`, ascending, not overlapping. */
  highlights: Array<[number, number]>;
}

const CONTEXT_BEFORE = 40;
const LENGTH = 140;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every occurrence of any term in `text`, merged where they overlap. */
function occurrences(text: string, terms: string[]): Array<[number, number]> {
  if (terms.length === 0) return [];
  // longest first, so `医疗保障` wins over `医疗` at the same place
  const pattern = new RegExp(
    [...terms].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'),
    'giu',
  );
  const spans: Array<[number, number]> = [];
  for (const m of text.matchAll(pattern)) {
    const start = m.index;
    const end = start + m[0].length;
    const last = spans[spans.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else spans.push([start, end]);
  }
  return spans;
}

/**
 * The snippet from the first of `texts` (in order of preference) that contains a term.
 * @returns null when no text contains one (a match found only through a field not shown).
 */
export function makeSnippet(query: ParsedQuery, texts: Array<string | null | undefined>): Snippet | null {
  const terms = query.terms.map((t) => t.text).filter((t) => t.length > 0);
  for (const raw of texts) {
    if (!raw) continue;
    const text = raw.replace(/\s+/gu, ' ').trim();
    const spans = occurrences(text, terms);
    if (spans.length === 0) continue;
    const first = spans[0]![0];
    const start = Math.max(0, first - CONTEXT_BEFORE);
    const end = Math.min(text.length, start + LENGTH);
    const head = start > 0 ? '…' : '';
    const tail = end < text.length ? '…' : '';
    const shift = head.length - start;
    return {
      text: head + text.slice(start, end) + tail,
      highlights: spans
        .filter(([s, e]) => s >= start && e <= end)
        .map(([s, e]): [number, number] => [s + shift, e + shift]),
    };
  }
  return null;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** The snippet as HTML: text escaped, occurrences in `<mark>`. */
export function snippetHtml(snippet: Snippet): string {
  let html = '';
  let at = 0;
  for (const [start, end] of snippet.highlights) {
    html += `${escapeHtml(snippet.text.slice(at, start))}<mark>${escapeHtml(snippet.text.slice(start, end))}</mark>`;
    at = end;
  }
  return html + escapeHtml(snippet.text.slice(at));
}
