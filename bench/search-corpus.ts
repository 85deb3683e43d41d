/**
 * Synthetic notices for the search benchmark. The base notice (`syntheticNotice`) recombines the
 * archive's 134 sentences, so on its own every bigram is either very common or absent. To give
 * terms the long-tailed frequencies of real text, each notice also gets policy terms from the
 * glossary's Chinese side, drawn with a Zipf distribution (a few terms in half the notices, most in
 * well under 1%): one sentence in the body and, in half the titles, one term in the title.
 * @module
 */
import { GLOSSARY_DOMAINS } from '../src/enrichment/glossary/domains.js';
import { GLOSSARY_GENERAL } from '../src/enrichment/glossary/general.js';
import { parseGlossary } from '../src/enrichment/glossary/index.js';
import type { ScrapedNotice } from '../scrapers/source.js';
import { prng, syntheticNotice, type Vocabulary } from './synthetic.js';

/** Chinese policy terms with Zipf weights: rank r is drawn with probability ∝ 1/r. */
export interface Lexicon {
  words: string[];
  cumulative: Float64Array;
}

const HAN_ONLY = /^\p{Script=Han}{2,8}$/u;

/** The glossary's Chinese terms (Han only, 2–8 characters) in a seeded random rank order. */
export function loadLexicon(seed = 11): Lexicon {
  const words = [...new Set([...parseGlossary(GLOSSARY_GENERAL), ...parseGlossary(GLOSSARY_DOMAINS)].map(([zh]) => zh))].filter((w) =>
    HAN_ONLY.test(w),
  );
  const rand = prng(seed);
  for (let i = words.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [words[i], words[j]] = [words[j]!, words[i]!];
  }
  const cumulative = new Float64Array(words.length);
  let sum = 0;
  for (let r = 0; r < words.length; r++) cumulative[r] = sum += 1 / (r + 1);
  for (let r = 0; r < words.length; r++) cumulative[r]! /= sum;
  return { words, cumulative };
}

function zipfWord(lexicon: Lexicon, rand: () => number): string {
  const u = rand();
  let lo = 0;
  let hi = lexicon.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (lexicon.cumulative[mid]! < u) lo = mid + 1;
    else hi = mid;
  }
  return lexicon.words[lo]!;
}

/** Generates the i-th notice of a corpus; the same seed gives the same corpus on every database. */
export class SearchCorpus {
  private readonly base: () => number;
  private readonly extra: () => number;

  constructor(
    private readonly vocab: Vocabulary,
    private readonly lexicon: Lexicon,
    seed = 7,
  ) {
    this.base = prng(seed);
    // a separate stream, so the base notices are those of `syntheticNotice` with the same seed
    this.extra = prng(seed ^ 0x5eed);
  }

  notice(i: number): ScrapedNotice {
    const n = syntheticNotice(this.vocab, this.base, i);
    const r = this.extra;
    const w = () => zipfWord(this.lexicon, r);
    const sentence = `各地区各部门要统筹推进${w()}、${w()}和${w()}，加强${w()}与${w()}的协同。`;
    const paragraphs = n.bodyText.split('\n');
    paragraphs.splice(Math.floor(r() * (paragraphs.length + 1)), 0, sentence);
    const title = r() < 0.5 ? n.titleZh.replace('关于', `关于做好${w()}和`) : n.titleZh;
    return {
      ...n,
      titleZh: title,
      bodyText: paragraphs.join('\n'),
      bodyHtml: paragraphs.map((p) => `<p>${p}</p>`).join(''),
    };
  }
}

/** The text a search matches, as the benchmark counts it: Chinese and Korean titles, body, summary. */
export interface SearchableText {
  titleZh: string;
  bodyText: string;
  titleKo: string;
  summaryKo: string;
  /** The notice's index lexemes (bigrams and Latin words). */
  lexemes: string[];
}

export type TermClass = 'common2' | 'rare2' | 'common4' | 'rare4' | 'korean' | 'absent';

export interface ChosenTerm {
  cls: TermClass;
  term: string;
  /** Notices containing the term (substring in any searched field). */
  docs: number;
  /** docs / rows */
  share: number;
  /** The share the class aims at. */
  target: number;
}

export const TERM_TARGETS: Record<TermClass, number> = {
  common2: 0.4,
  rare2: 0.002,
  common4: 0.045,
  rare4: 0.002,
  korean: 0.05,
  absent: 0,
};

/** Terms that never occur in the corpus (checked by counting); the first with zero notices is used. */
const ABSENT = ['量子引力', '引力波探测', '暗物质粒子'];
/** A Korean term to prefer when it occurs at all (the example). */
const PREFERRED_KOREAN = '의료보장';
const SAMPLE = 2_000;
const CANDIDATES = 8;

const HAN2 = /^\p{Script=Han}{2}$/u;
const HANGUL_WORDS = /\p{Script=Hangul}{2,}/gu;

/**
 * Picks the query terms from the generated data itself: candidates from the first notices, then
 * exact document frequencies of every candidate over the whole corpus.
 */
export class TermCounter {
  private readonly sample: SearchableText[] = [];
  private candidates: Map<TermClass, string[]> | null = null;
  private readonly counts = new Map<string, number>();
  private rows = 0;
  private readonly lexiconWords: Set<string>;

  constructor(lexicon: Lexicon) {
    this.lexiconWords = new Set(lexicon.words);
  }

  observe(doc: SearchableText): void {
    this.rows++;
    if (!this.candidates) {
      this.sample.push(doc);
      if (this.sample.length >= SAMPLE) this.pickCandidates();
      return;
    }
    this.count(doc);
  }

  private count(doc: SearchableText): void {
    const lexemes = new Set(doc.lexemes);
    const text = `${doc.titleZh}\n${doc.bodyText}\n${doc.titleKo}\n${doc.summaryKo}`;
    for (const term of this.counts.keys()) {
      const hit = term.length === 2 && HAN2.test(term) ? lexemes.has(term) : text.includes(term);
      if (hit) this.counts.set(term, this.counts.get(term)! + 1);
    }
  }

  private pickCandidates(): void {
    const n = this.sample.length;
    const bigrams = new Map<string, number>();
    const fourChar = new Map<string, number>();
    const korean = new Map<string, number>();
    for (const doc of this.sample) {
      for (const l of doc.lexemes) if (HAN2.test(l) && this.lexiconWords.has(l)) bigrams.set(l, (bigrams.get(l) ?? 0) + 1);
      const zh = `${doc.titleZh}\n${doc.bodyText}`;
      const seen = new Set<string>();
      for (let i = 0; i + 4 <= zh.length; i++) {
        const g = zh.slice(i, i + 4);
        if (this.lexiconWords.has(g)) seen.add(g);
      }
      for (const g of seen) fourChar.set(g, (fourChar.get(g) ?? 0) + 1);
      const words = new Set(`${doc.titleKo} ${doc.summaryKo}`.match(HANGUL_WORDS) ?? []);
      for (const w of words) korean.set(w, (korean.get(w) ?? 0) + 1);
    }
    const closest = (counts: Map<string, number>, target: number, prefer?: (t: string) => boolean) =>
      [...counts]
        .filter(([t]) => !prefer || prefer(t))
        .map(([t, c]) => [t, Math.abs(Math.log((c / n) / target))] as const)
        .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, CANDIDATES)
        .map(([t]) => t);
    const koreanCandidates = closest(korean, TERM_TARGETS.korean, (t) => t.length >= 3);
    if (!koreanCandidates.includes(PREFERRED_KOREAN)) koreanCandidates.unshift(PREFERRED_KOREAN);
    this.candidates = new Map<TermClass, string[]>([
      ['common2', closest(bigrams, TERM_TARGETS.common2)],
      ['rare2', closest(bigrams, TERM_TARGETS.rare2)],
      ['common4', closest(fourChar, TERM_TARGETS.common4)],
      ['rare4', closest(fourChar, TERM_TARGETS.rare4)],
      ['korean', koreanCandidates],
      ['absent', ABSENT],
    ]);
    for (const list of this.candidates.values()) for (const t of list) this.counts.set(t, 0);
    for (const doc of this.sample) this.count(doc);
    this.sample.length = 0;
  }

  /** The term of each class whose document frequency is closest to its target. */
  chosen(): ChosenTerm[] {
    if (!this.candidates) this.pickCandidates();
    const rows = this.rows;
    const out: ChosenTerm[] = [];
    for (const [cls, list] of this.candidates!) {
      const target = TERM_TARGETS[cls];
      const scored = list.map((term) => ({ term, docs: this.counts.get(term) ?? 0 }));
      let best;
      if (cls === 'absent') best = scored.find((s) => s.docs === 0) ?? scored[0]!;
      else if (cls === 'korean' && (this.counts.get(PREFERRED_KOREAN) ?? 0) >= Math.max(1, rows * 0.001)) {
        best = { term: PREFERRED_KOREAN, docs: this.counts.get(PREFERRED_KOREAN)! };
      } else {
        best = scored
          .filter((s) => s.docs > 0)
          .sort((a, b) => Math.abs(Math.log(a.docs / rows / target)) - Math.abs(Math.log(b.docs / rows / target)))[0] ?? scored[0]!;
      }
      out.push({ cls, term: best.term, docs: best.docs, share: best.docs / rows, target });
    }
    return out;
  }
}
