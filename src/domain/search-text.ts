/**
 * The search design shared by indexing and querying: Chinese and Korean text is indexed as
 * character bigrams, Latin letters and digits as whole lower-case words. A query of two or more
 * CJK characters becomes the AND of its bigrams, then a substring check removes the rare
 * documents that hold every bigram but not the string.
 * @module
 */

// Han (incl. extensions and compatibility), kana and Hangul syllables/jamo: scripts written without spaces.
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const CJK_CLASS = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}';
// A CJK run, or a run of other letters and digits (Latin words, numbers).
const TOKEN_RUN = new RegExp(`[${CJK_CLASS}]+|(?:(?![${CJK_CLASS}])[\\p{L}\\p{N}])+`, 'gu');

/** Text as both sides see it: NFKC (full-width Latin and digits become ASCII) and lower case. */
export function normalizeForSearch(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** The lexemes of one run: bigrams for CJK runs (the character itself when alone), the word otherwise. */
function runLexemes(run: string): string[] {
  if (!CJK.test(run[0]!)) return [run];
  const chars = Array.from(run);
  if (chars.length === 1) return [chars[0]!];
  const grams: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) grams.push(chars[i]! + chars[i + 1]!);
  return grams;
}

/**
 * Every distinct lexeme of `texts`, for `array_to_tsvector`.
 * @example searchLexemes(['医疗保障 DRG']) // ['医疗', '疗保', '保障', 'drg']
 */
export function searchLexemes(texts: Array<string | null | undefined>): string[] {
  const out = new Set<string>();
  for (const text of texts) {
    if (!text) continue;
    for (const run of normalizeForSearch(text).match(TOKEN_RUN) ?? []) {
      for (const lexeme of runLexemes(run)) {
        // tsvector lexemes are limited to 2 KB; longer "words" are noise (base64, hashes)
        if (lexeme.length <= 200) out.add(lexeme);
      }
    }
  }
  return [...out];
}

/** One term of a parsed query. */
export interface SearchTerm {
  /** The normalised text the document must contain (substring check). */
  text: string;
  /** Index lexemes that every matching document has; `prefix` marks a trailing Latin word. */
  lexemes: Array<{ value: string; prefix: boolean }>;
  /** True for a single CJK character: the index cannot find it, so titles are scanned instead. */
  singleChar: boolean;
  /**
   * False when a match of the index lexemes already proves the substring is there (one CJK
   * bigram, or one Latin word): the costly read of the full text is skipped.
   */
  needsRecheck: boolean;
}

/** A user query: terms that must all occur, and terms that must not (`-term`). */
export interface ParsedQuery {
  terms: SearchTerm[];
  excluded: SearchTerm[];
}

// `"a phrase"` (its spaces kept; Chinese “…” quotes too), or `-word` / `word`
const QUERY_TOKEN = /(-?)["“”]([^"“”]*)["“”]?|(\S+)/gu;

/** The term for one word or quoted phrase, or null when it has nothing searchable. */
function toTerm(raw: string): SearchTerm | null {
  const runs = raw.match(TOKEN_RUN) ?? [];
  if (runs.length === 0) return null;
  const lexemes: SearchTerm['lexemes'] = [];
  runs.forEach((run, i) => {
    const isLast = i === runs.length - 1;
    // A lone CJK character inside a mixed term (`5g网`) is indexed only where it stands alone
    // in the text; leave it to the substring check.
    if (runs.length > 1 && CJK.test(run[0]!) && Array.from(run).length === 1) return;
    for (const value of runLexemes(run)) {
      // A Latin word at the end of a term may be the start of a longer word (`drg` finds `drgs`).
      lexemes.push({ value, prefix: !CJK.test(run[0]!) && isLast });
    }
  });
  const text = runs.length === 1 ? runs[0]! : raw.trim().replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
  const singleChar = runs.length === 1 && CJK.test(runs[0]![0]!) && Array.from(runs[0]!).length === 1;
  // one lexeme of one run is the term itself: the index match is exact
  const needsRecheck = !(runs.length === 1 && lexemes.length === 1 && !singleChar);
  return { text, lexemes, singleChar, needsRecheck };
}

/**
 * Splits a user query into terms: whitespace separates terms and all must match; `"…"` keeps a
 * phrase together (it must occur as written, spaces included); `-term` or `-"…"` excludes notices
 * that contain it.
 * @example parseSearchQuery('医疗保障 -"试点城市" DRG')
 */
export function parseSearchQuery(query: string): ParsedQuery {
  const parsed: ParsedQuery = { terms: [], excluded: [] };
  for (const m of normalizeForSearch(query).matchAll(QUERY_TOKEN)) {
    let negated = m[1] === '-';
    let raw = m[2] ?? m[3]!;
    if (m[3] !== undefined && raw.startsWith('-') && raw.length > 1) {
      negated = true;
      raw = raw.slice(1);
    }
    const term = toTerm(raw);
    if (term) (negated ? parsed.excluded : parsed.terms).push(term);
  }
  return parsed;
}

/** Quotes a lexeme for `tsquery` input: single quotes doubled, backslashes escaped. */
function quoteLexeme(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * The `tsquery` text for the index-backed terms (passed as a bound parameter, cast with `::tsquery`).
 * @returns null when no term can use the index.
 */
export function toTsQuery(terms: readonly SearchTerm[]): string | null {
  const parts: string[] = [];
  for (const term of terms) {
    if (term.singleChar) continue;
    for (const { value, prefix } of term.lexemes) parts.push(prefix ? `${quoteLexeme(value)}:*` : quoteLexeme(value));
  }
  return parts.length ? [...new Set(parts)].join(' & ') : null;
}
