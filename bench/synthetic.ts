/**
 * Realistic synthetic notices for benchmarks: titles, issuers, 文号, dates and bodies recombined
 * from the vocabulary of the real notices in `archive/notices/` with a seeded generator, so every
 * run produces the same data.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScrapedNotice } from '../scrapers/source.js';

interface ArchiveNotice {
  title: string;
  issuers: string[];
  doc_type: string | null;
  body: string | null;
}

/** mulberry32: a small, fast, seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Vocabulary {
  subjects: string[];
  issuers: string[][];
  sentences: string[];
  types: string[];
}

export function loadVocabulary(dir = join(process.cwd(), 'archive', 'notices')): Vocabulary {
  const notices = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as ArchiveNotice);
  const subjects = notices
    .map((n) => /关于(.+?)的?(通知|意见|公告|函|决定|指导意见)$/.exec(n.title)?.[1])
    .filter((s): s is string => !!s);
  const sentences = notices
    .flatMap((n) => (n.body ?? '').split(/(?<=[。；])/u))
    .map((s) => s.trim())
    .filter((s) => s.length > 8);
  return {
    subjects,
    issuers: notices.map((n) => n.issuers).filter((i) => i.length > 0),
    sentences,
    types: ['通知', '意见', '公告', '函', '决定'],
  };
}

const PREFIXES = ['国发', '国办发', '发改价格', '财税', '国科发', '工信部联', '医保发', '国数政策'];

const pick = <T>(rand: () => number, list: T[]): T => list[Math.floor(rand() * list.length)]!;

/** The i-th synthetic notice (deterministic for a given seed). */
export function syntheticNotice(vocab: Vocabulary, rand: () => number, i: number): ScrapedNotice {
  const issuers = pick(rand, vocab.issuers);
  const type = pick(rand, vocab.types);
  const subject = `${pick(rand, vocab.subjects)}${rand() < 0.5 ? '' : `(第${1 + Math.floor(rand() * 40)}批)`}`;
  const year = 2015 + Math.floor(rand() * 12);
  const month = 1 + Math.floor(rand() * 12);
  const day = 1 + Math.floor(rand() * 28);
  const written = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  const published = rand() < 0.85 ? written : null;
  const paragraphs = Array.from({ length: 6 + Math.floor(rand() * 14) }, () => pick(rand, vocab.sentences));
  return {
    url: `https://www.gov.cn/zhengce/zhengceku/${year}${String(month).padStart(2, '0')}/content_${9_000_000 + i}.htm`,
    titleZh: `${issuers.join(' ')}关于${subject}的${type}`,
    docNumber: rand() < 0.8 ? `${pick(rand, PREFIXES)}〔${year}〕${i + 1}号` : null,
    docType: type,
    issuerNames: issuers,
    writtenDate: written,
    publishedDate: published,
    effectiveDate: null,
    topicZh: null,
    indexNumber: null,
    origin: null,
    validity: null,
    bodyText: paragraphs.join('\n'),
    bodyHtml: paragraphs.map((p) => `<p>${p}</p>`).join(''),
    attachments: [],
  };
}
