/**
 * Offline sector classification: the site's own 主题分类, the issuers' sectors and weighted Chinese
 * keywords in title and body each give evidence; evidence for a sector combines as a noisy-or, and a
 * notice gets every sector whose combined score clearly applies (multi-label), each with the method
 * that contributed most. Also flags relevance to Korean companies.
 * @module
 */
import type { SectorMethod } from '../db/schema.js';
import { type SectorCode, SECTORS } from '../domain/sector.js';
import { KOREA_SIGNALS, SECTOR_KEYWORDS, TOPIC_SECTORS } from './sector-rules.js';

export interface SectorAssignment {
  code: SectorCode;
  score: number;
  method: SectorMethod;
}

export interface ClassifyInput {
  topicZh: string | null;
  /** Sectors of each issuer, in document order (first issuer weighs most). */
  issuerSectors: SectorCode[][];
  titleZh: string;
  bodyText: string;
}

/** A sector with a combined score at least this high applies … */
export const SECTOR_THRESHOLD = 0.5;
/** … and at least this share of the strongest sector's score (a passing mention is not a sector). */
const RELATIVE_THRESHOLD = 0.6;
const MAX_SECTORS = 3;
/** Keyword evidence saturates: raw points → score 1 - exp(-points / SCALE). */
const KEYWORD_SCALE = 20;
const BODY_HITS_CAP = 3;

function countOccurrences(text: string, term: string): number {
  let n = 0;
  for (let i = text.indexOf(term); i !== -1; i = text.indexOf(term, i + term.length)) n++;
  return n;
}

/** Topic rules for a 主题分类 value; a subcategory unknown to the rules falls back to its category. */
export function topicRules(topic: string | null): Array<{ sector: SectorCode; score: number }> {
  if (!topic) return [];
  const value = topic.trim();
  return TOPIC_SECTORS[value] ?? TOPIC_SECTORS[value.split('\\')[0]!.trim()] ?? [];
}

export function classifySectors(input: ClassifyInput): SectorAssignment[] {
  const evidence = new Map<SectorCode, Array<{ score: number; method: SectorMethod }>>();
  const add = (code: SectorCode, score: number, method: SectorMethod) => {
    if (score <= 0) return;
    const list = evidence.get(code) ?? [];
    list.push({ score: Math.min(score, 0.99), method });
    evidence.set(code, list);
  };

  for (const rule of topicRules(input.topicZh)) add(rule.sector, rule.score, 'topic');

  // An issuer's sectors are a prior, below the threshold on their own: NDRC's notices are not all
  // about trade. NHSA's health, with any supporting word, passes.
  input.issuerSectors.forEach((sectors, position) => {
    for (const code of sectors) add(code, position === 0 ? 0.45 : 0.3, 'issuer');
  });

  const points = new Map<SectorCode, number>();
  for (const { term, sector, weight } of SECTOR_KEYWORDS) {
    const inTitle = input.titleZh.includes(term) ? 3 : 0;
    const inBody = Math.min(countOccurrences(input.bodyText, term), BODY_HITS_CAP);
    if (inTitle + inBody > 0) points.set(sector, (points.get(sector) ?? 0) + weight * (inTitle + inBody));
  }
  for (const [code, p] of points) add(code, 1 - Math.exp(-p / KEYWORD_SCALE), 'keyword');

  const combined: SectorAssignment[] = [];
  for (const [code, list] of evidence) {
    const score = 1 - list.reduce((miss, e) => miss * (1 - e.score), 1);
    const strongest = list.reduce((a, b) => (b.score > a.score ? b : a));
    combined.push({ code, score: Math.round(score * 1000) / 1000, method: strongest.method });
  }
  combined.sort((a, b) => b.score - a.score || a.code.localeCompare(b.code));
  const top = combined[0]?.score ?? 0;
  const chosen = combined
    .filter((s) => s.score >= SECTOR_THRESHOLD && s.score >= top * RELATIVE_THRESHOLD)
    .slice(0, MAX_SECTORS);
  if (chosen.length > 0) return chosen;
  // Nothing clearly applies: keep the best guess, or general administration.
  const best = combined[0];
  return best ? [best] : [{ code: 'general', score: SECTOR_THRESHOLD, method: 'topic' }];
}

export interface KoreaRelevance {
  relevant: boolean;
  reasons: string[];
}

/** Relevance to Korean companies: trade, investment, export control, data export, standards, Korea. */
export function koreaRelevance(titleZh: string, bodyText: string): KoreaRelevance {
  const text = `${titleZh}\n${bodyText}`;
  const reasons: string[] = [];
  for (const { term, reason } of KOREA_SIGNALS) {
    if (text.includes(term) && !reasons.includes(reason)) reasons.push(reason);
  }
  return { relevant: reasons.length > 0, reasons };
}

const NAMES = new Map<string, string>(SECTORS.map((s) => [s.code, s.nameKo]));

export function sectorName(code: string): string {
  return NAMES.get(code) ?? code;
}
