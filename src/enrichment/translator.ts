/**
 * Offline Chinese → Korean rendering of policy phrases: numbers and dates first, then words from the
 * glossary, then a Sino-Korean reading (simplified → traditional with opencc-js, then hanja) for what
 * the glossary lacks. It renders terms, not grammar: the output is the telegraphic Korean of a
 * briefing note, and it only ever says what the Chinese says.
 * @module
 */
import hanjaModule from 'hanja';
import * as OpenCC from 'opencc-js';
import { ABOUT_PATTERN, koreanDocType } from './doc-types.js';
import { type Glossary } from './glossary/index.js';
import { KEEP_CLOSE, KEEP_OPEN, renderNumbers } from './numbers.js';
import type { Segmenter } from './segmenter.js';

type HanjaTranslate = (text: string, mode: 'SUBSTITUTION') => string;
// hanja is CommonJS with a default export object
const hanja = ((hanjaModule as unknown as { default?: { translate: HanjaTranslate } }).default ??
  hanjaModule) as unknown as { translate: HanjaTranslate };

const PUNCTUATION: Record<string, string> = {
  '、': '·',
  '，': ',',
  '。': '.',
  '；': ';',
  '：': ':',
  '（': '(',
  '）': ')',
  '【': '[',
  '】': ']',
  '〔': '〔',
  '〕': '〕',
};

type Token = { text: string; kind: 'word' | 'punct' | 'open' | 'close' | 'join' };

/**
 * Chinese prepositions whose Korean is a postposition after the noun (在X → X에서, 按X → X에 따라).
 * Rendered word by word they would stand before the noun, so inside a phrase they are left out;
 * the noun phrase still carries the fact.
 */
const PREPOSITIONS = new Set(['在', '按', '按照', '对', '对于', '为', '于', '由', '从', '向', '以', '将', '把', '被', '给', '经', '依', '依照', '根据', '随着', '针对', '通过']);

// A Han run, a run of other letters and digits (`301`, `5G`, `DRG`), whitespace, or one other character.
const RUNS = /\p{Script=Han}+|(?:(?!\p{Script=Han})[\p{L}\p{N}])(?:(?!\p{Script=Han})[\p{L}\p{N}.\-/])*|\s+|./gu;

const OPENERS = new Set(['(', '[', '《', '「', '“', '‘', '〔', '『']);
const CLOSERS = new Set([')', ']', '》', '」', '”', '’', '〕', '』', ',', '.', ';', ':', '!', '?', '%']);

/** Joins tokens with Korean spacing: words apart, punctuation attached, `·` without spaces. */
export function joinTokens(tokens: Token[]): string {
  let out = '';
  let previous: Token | null = null;
  for (const token of tokens) {
    if (!token.text) continue;
    const needsSpace =
      previous !== null &&
      token.kind !== 'close' &&
      token.kind !== 'join' &&
      previous.kind !== 'open' &&
      previous.kind !== 'join';
    out += (needsSpace ? ' ' : '') + token.text;
    previous = token;
  }
  return out.replace(/\s+/g, ' ').trim();
}

/** Initial consonant index of a Hangul syllable (ㄷ = 3, ㅈ = 12), or -1. */
function initial(syllable: string | undefined): number {
  const code = syllable?.codePointAt(0) ?? 0;
  return code >= 0xac00 && code <= 0xd7a3 ? Math.floor((code - 0xac00) / 588) : -1;
}

/** Final consonant index of a Hangul syllable (0 = none, 4 = ㄴ), or -1. */
function final(syllable: string | undefined): number {
  const code = syllable?.codePointAt(0) ?? 0;
  return code >= 0xac00 && code <= 0xd7a3 ? (code - 0xac00) % 28 : -1;
}

/**
 * Readings the hanja table gives out of context: 率 is 율 after a vowel or ㄴ and 률 elsewhere
 * (征收率 징수율, 效率 효율, 税率 세율, 利用率 이용률), never 솔 in these words; 不 is 부 before ㄷ/ㅈ (不当 부당).
 */
export function fixReadings(zh: string, reading: string): string {
  const chars = Array.from(zh);
  const syllables = Array.from(reading);
  if (syllables.length !== chars.length) return reading;
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] === '率' && i > 0) {
      const before = final(syllables[i - 1]);
      syllables[i] = before === 0 || before === 4 ? '율' : '률';
    }
    if (chars[i] === '不' && (initial(syllables[i + 1]) === 3 || initial(syllables[i + 1]) === 12)) syllables[i] = '부';
  }
  return syllables.join('');
}

export interface TranslatorOptions {
  glossary: Glossary;
  segmenter: Segmenter;
}

export class Translator {
  readonly #glossary: Glossary;
  readonly #segmenter: Segmenter;
  readonly #toTraditional: (s: string) => string;
  readonly #maxTermLength: number;

  constructor(options: TranslatorOptions) {
    this.#glossary = options.glossary;
    this.#segmenter = options.segmenter;
    this.#toTraditional = OpenCC.Converter({ from: 'cn', to: 't' });
    this.#maxTermLength = Math.max(...[...options.glossary.keys()].map((k) => k.length), 1);
  }

  get segmenterName(): string {
    return this.#segmenter.name;
  }

  /** The Korean for one word: glossary, else the Sino-Korean reading. */
  word(zh: string): string {
    const known = this.#glossary.get(zh);
    if (known !== undefined) return known;
    return fixReadings(zh, hanja.translate(this.#toTraditional(zh), 'SUBSTITUTION'));
  }

  /** Whether the glossary knows this exact term. */
  knows(zh: string): boolean {
    return this.#glossary.has(zh);
  }

  /** Words of a Han run, re-joining neighbours the glossary knows as one term (jieba may split them). */
  #words(run: string): string[] {
    const pieces = this.#segmenter.cut(run);
    const out: string[] = [];
    let i = 0;
    while (i < pieces.length) {
      let taken = 1;
      let joined = pieces[i]!;
      for (let n = Math.min(5, pieces.length - i); n > 1; n--) {
        const candidate = pieces.slice(i, i + n).join('');
        if (candidate.length <= this.#maxTermLength && this.#glossary.has(candidate)) {
          taken = n;
          joined = candidate;
          break;
        }
      }
      out.push(joined);
      i += taken;
    }
    return out;
  }

  #tokens(text: string): Token[] {
    const tokens: Token[] = [];
    const parts = text.split(new RegExp(`(${KEEP_OPEN}[^${KEEP_CLOSE}]*${KEEP_CLOSE})`, 'u'));
    for (const part of parts) {
      if (!part) continue;
      if (part.startsWith(KEEP_OPEN)) {
        tokens.push({ text: part.slice(1, -1), kind: 'word' });
        continue;
      }
      for (const run of part.match(RUNS) ?? []) {
        if (/^\s+$/u.test(run)) continue;
        if (/^\p{Script=Han}/u.test(run)) {
          const words = this.#words(run);
          for (const w of words) {
            if (PREPOSITIONS.has(w) && words.length > 1) continue;
            tokens.push({ text: this.word(w), kind: 'word' });
          }
          continue;
        }
        const mapped = PUNCTUATION[run] ?? run;
        if (mapped === '·') tokens.push({ text: mapped, kind: 'join' });
        else if (OPENERS.has(mapped)) tokens.push({ text: mapped, kind: 'open' });
        else if (CLOSERS.has(mapped)) tokens.push({ text: mapped, kind: 'close' });
        else if (/^[\p{L}\p{N}]/u.test(mapped)) tokens.push({ text: mapped, kind: 'word' });
        else tokens.push({ text: mapped, kind: 'punct' });
      }
    }
    return tokens;
  }

  /**
   * Renders a Chinese phrase or sentence in Korean.
   * @example translator.phrase('自2020年7月1日起至12月31日止') // '2020년 7월 1일부터 12월 31일까지'
   */
  phrase(zh: string): string {
    // 《关于X的意见》 inside a sentence: Korean puts 에 관한 after X
    const quoted = zh.trim().replace(/《([^《》]+)》/gu, (whole, inner: string) => {
      const m = ABOUT_PATTERN.exec(inner);
      if (!m) return whole;
      const before = inner.slice(0, m.index);
      const rendered = `${before ? `${this.phrase(before)} ` : ''}${this.phrase(m[1]!)}에 관한 ${koreanDocType(m[2]!)}`;
      return `《${KEEP_OPEN}${rendered}${KEEP_CLOSE}》`;
    });
    return joinTokens(this.#tokens(renderNumbers(quoted)));
  }
}
