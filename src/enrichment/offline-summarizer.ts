/**
 * The `offline` provider: a Korean title and a 3–6 line Korean summary built only from what the
 * notice states — its issuers, 文号, dates, addressees, scope, section headings, and the sentences
 * that carry numbers, amounts, periods and deadlines. Deterministic, no network.
 * @module
 */
import { KOREAN_DOC_TYPES } from './doc-types.js';
import { hasBatchim, josa, koreanDate } from './korean.js';
import { sectionHeading } from './numbers.js';
import type { Summarizer, SummaryInput, SummaryOutput } from './summarizer.js';
import type { Translator } from './translator.js';

export const OFFLINE_PROMPT_VERSION = 'offline-1';

/** A bullet renders at most this many Chinese characters (word-by-word Korean of more reads badly). */
const MAX_CLAUSE_CHARS = 110;

/** Verbs that open a title's subject; Korean puts them after their object (举办X → X 개최). */
const LEADING_VERBS = [
  '举办', '开展', '做好', '推进', '加强', '加快', '延长', '延续', '支持', '同意', '建立', '设立', '实施', '落实', '进一步',
  '深化', '完善', '促进', '推动', '规范', '公布', '发布', '调整', '减征', '免征', '降低', '提高', '开展', '组织', '申报',
  '修改', '废止', '印发', '转发', '做好', '印发', '加大', '健全', '优化', '扩大', '全面', '切实',
];

const PUBLISH_VERBS: Array<[string, string]> = [
  ['印发', '인쇄·배포'],
  ['转发', '전달'],
  ['发布', '발표'],
  ['公布', '공포'],
];

export interface IssuerName {
  nameZh: string;
  nameKo: string | null;
}

export class OfflineSummarizer implements Summarizer {
  readonly name = 'offline';
  readonly model = null;
  readonly promptVersion = OFFLINE_PROMPT_VERSION;

  constructor(private readonly t: Translator) {}

  issuersKo(issuers: IssuerName[]): string {
    return issuers.map((i) => i.nameKo ?? this.t.phrase(i.nameZh)).join('·');
  }

  /** For a title: up to three issuers by name, then `{first} 등 N개 기관`. */
  issuersForTitle(issuers: IssuerName[]): string {
    if (issuers.length <= 3) return this.issuersKo(issuers);
    return `${this.issuersKo(issuers.slice(0, 1))} 등 ${issuers.length}개 기관`;
  }

  /** A subject with its leading verbs moved after their object: 推进X改革 → X 개혁 추진. */
  subject(zh: string): string {
    const publish = PUBLISH_VERBS.find(([verb]) => zh.startsWith(verb) && /《.+》/u.test(zh));
    if (publish) {
      const rest = zh.slice(publish[0].length);
      return `${this.t.phrase(rest).replace(/《/g, '「').replace(/》/g, '」')} ${publish[1]}`;
    }
    const verbs: string[] = [];
    let rest = zh;
    for (let guard = 0; guard < 3; guard++) {
      const verb = LEADING_VERBS.find((v) => rest.startsWith(v) && rest.length > v.length + 1);
      if (!verb) break;
      verbs.unshift(this.t.word(verb));
      rest = rest.slice(verb.length);
    }
    return [this.t.phrase(rest), ...verbs].filter(Boolean).join(' ');
  }

  /** `{issuers} {subject}에 관한 {type}`, or `{issuers} {type}` for titles like 国家卫生健康委员会公告. */
  title(input: SummaryInput): string {
    return this.#title(input, this.issuersForTitle(input.issuers));
  }

  /** The title without its issuers (the summary names them once, as the subject). */
  titleWithoutIssuers(input: SummaryInput): string {
    return this.#title(input, '');
  }

  #title(input: SummaryInput, issuers: string): string {
    const title = input.titleZh.trim();
    const at = title.indexOf('关于');
    if (at >= 0) {
      const prefix = title.slice(0, at).trim();
      const rest = title.slice(at + 2);
      const ending = KOREAN_DOC_TYPES.find(([zh]) => rest.endsWith(`的${zh}`));
      const subjectZh = ending ? rest.slice(0, -(ending[0].length + 1)) : rest;
      const typeKo = ending ? ending[1] : '';
      const head = prefix && issuers ? issuers : '';
      return [head, `${this.subject(subjectZh)}에 관한${typeKo ? ` ${typeKo}` : ''}`].filter(Boolean).join(' ');
    }
    for (const [word, ko] of KOREAN_DOC_TYPES) {
      if (!title.endsWith(word)) continue;
      const before = title.slice(0, -word.length);
      const isIssuerOnly = input.issuers.some((i) => before.replace(/^中华人民共和国/u, '').includes(i.nameZh)) || !before;
      if (isIssuerOnly) return `${issuers} ${ko}`.trim();
      return `${this.t.phrase(before)} ${ko}`.trim();
    }
    return this.t.phrase(title);
  }

  summarize(input: SummaryInput): Promise<SummaryOutput> {
    return Promise.resolve(this.summarizeSync(input));
  }

  summarizeSync(input: SummaryInput): SummaryOutput {
    const titleKo = this.title(input);
    const lines: string[] = [this.lead(input, this.titleWithoutIssuers(input))];
    const body = input.bodyText.trim();
    const keyPoints: string[] = [];
    if (!body) {
      lines.push('본문은 수집되지 않아, 이 요약은 제목과 발문 정보만을 근거로 한다.');
      if (input.effectiveDate) lines.push(`시행일: ${koreanDate(input.effectiveDate)}.`);
      return { titleKo, summaryKo: lines.join('\n'), keyPoints };
    }
    const paragraphs = body.split('\n').map((l) => l.trim()).filter(Boolean);
    const addressees = this.addressees(paragraphs);
    const scope = this.scope(paragraphs);
    // a short scope sentence renders well; a long one word by word does not, and the addressees say who acts
    if (scope && scope.length <= 60) lines.push(`적용 대상: ${scope}.`);
    else if (addressees) lines.push(`수신: ${addressees}.`);
    const headings = paragraphs.map(sectionHeading).filter((h): h is NonNullable<typeof h> => h !== null);
    if (headings.length >= 2) {
      lines.push(`구성: ${headings.slice(0, 8).map((h) => `${h.number}. ${this.t.phrase(h.title)}`).join(' / ')}.`);
    }
    for (const fact of this.facts(paragraphs).slice(0, 6 - lines.length - (input.effectiveDate ? 1 : 0))) {
      keyPoints.push(fact);
      lines.push(`- ${fact}`);
    }
    if (lines.length < 3) {
      // a text without numbers: its opening sentence says what it does
      const opening = paragraphs.find((p) => p !== paragraphs[0] || !/[:：]$/u.test(p));
      if (opening) lines.push(`- ${this.clause(this.actionClauses(opening.split(/(?<=[。；;])/u)[0]!))}`);
    }
    if (input.effectiveDate) lines.push(`시행일: ${koreanDate(input.effectiveDate)}.`);
    return { titleKo, summaryKo: lines.join('\n'), keyPoints };
  }

  /** Who issued what, with its 文号 and dates. */
  lead(input: SummaryInput, titleKo: string): string {
    const issuers = this.issuersKo(input.issuers) || '발문기관 미상';
    const docNumber = input.docNumber ? `(${input.docNumber})` : '';
    // a quoted document inside the title takes the inner quotation marks
    const inner = titleKo.replace(/「/g, '『').replace(/」/g, '』');
    const object = `「${inner}」${docNumber}${hasBatchim(`${inner}」`) ? '을' : '를'}`;
    const dates = [
      input.writtenDate ? `작성 ${koreanDate(input.writtenDate)}` : null,
      input.publishedDate && input.publishedDate !== input.writtenDate ? `공개 ${koreanDate(input.publishedDate)}` : null,
    ].filter(Boolean);
    return `${josa(issuers, '은', '는')} ${object} 발표했다${dates.length ? `(${dates.join(', ')})` : ''}.`;
  }

  /** The addressee line (`各省、自治区、直辖市…：`). */
  addressees(paragraphs: string[]): string | null {
    const first = paragraphs[0];
    if (!first || !/[:：]$/u.test(first) || first.length > 160) return null;
    // `根据…，现公告如下：` ends with a colon too, but it is a sentence, not a list of addressees
    if (/如下|根据|为了|为贯彻|现将|特此/u.test(first)) return null;
    return this.t.phrase(first.replace(/[:：]$/u, ''));
  }

  /** The first sentence under a 实施范围 / 适用范围 heading. */
  scope(paragraphs: string[]): string | null {
    const at = paragraphs.findIndex((p) => /^[一二三四五六七八九十]+、\s*(实施范围|适用范围|适用对象|支持对象|补贴对象)/u.test(p));
    const next = at >= 0 ? paragraphs[at + 1] : undefined;
    if (!next || sectionHeading(next)) return null;
    return this.clause(next.split(/[。]/u)[0]!);
  }

  /** Up to three sentences that carry dates, periods, percentages or amounts, in document order. */
  facts(paragraphs: string[]): string[] {
    const numeric = /\d{4}年|\d+(\.\d+)?\s*[%％]|百分之|\d+(\.\d+)?\s*(万亿元|亿元|万元|元|亿|万)|\d+个百分点|第[一二三四五六七八九十\d]+批/u;
    const out: string[] = [];
    for (const paragraph of paragraphs) {
      // the attachment list closes the text; its items are names, not facts
      if (/^附件[:：\d一二三四五六七八九十]/u.test(paragraph)) break;
      if (sectionHeading(paragraph) || /[:：]$/u.test(paragraph)) continue;
      for (const sentence of paragraph.split(/(?<=[。；;])/u)) {
        // a year inside a quoted title (《…(2024—2026年)》) is part of a name, not a fact
        if (!numeric.test(sentence.replace(/《[^》]*》/gu, ''))) continue;
        // signature dates at the end of a document are not facts about its content
        if (/^\s*\d{4}年\d{1,2}月\d{1,2}日\s*$/u.test(sentence)) continue;
        const clauses = this.numericClauses(sentence);
        if ((clauses.match(/\p{Script=Han}/gu) ?? []).length < 8) continue;
        out.push(this.clause(clauses));
        if (out.length === 3) return out;
      }
    }
    return out;
  }

  /**
   * The clauses of a long sentence that hold its numbers, with the clause after (Chinese puts the
   * time first: 到2025年，基本建成… — the target follows the date).
   */
  numericClauses(sentence: string): string {
    const clauses = sentence.split(/(?<=[，,])/u);
    if (clauses.length <= 3 && sentence.length <= 120) return sentence;
    const numeric = /\d|百分之/u;
    const picked = new Set<number>();
    clauses.forEach((c, i) => {
      if (numeric.test(c)) {
        picked.add(i);
        if (i + 1 < clauses.length) picked.add(i + 1);
      }
    });
    return [...picked].sort((a, b) => a - b).slice(0, 3).map((i) => clauses[i]).join('');
  }

  /**
   * The clauses of an opening sentence that say what the document does (制定…, 现印发…, 决定…),
   * without the preamble of purposes before them.
   */
  actionClauses(sentence: string): string {
    const clauses = sentence.split(/(?<=[，,])/u);
    if (clauses.length <= 2) return sentence;
    const at = clauses.findIndex((c) => /制定|印发|决定|同意|公布|发布|现就|现将|现予|批准|设立|建立/u.test(c));
    return clauses.slice(at >= 0 ? at : 0, (at >= 0 ? at : 0) + 2).join('');
  }

  /** A clause rendered in Korean, without list markers or the Chinese sentence-final punctuation. */
  clause(zh: string): string {
    let bare = zh
      .replace(/^\s*[（(][一二三四五六七八九十\d]+[）)]\s*/u, '')
      .replace(/^\s*\d+[.、]\s*/u, '')
      .replace(/^\s*[一二三四五六七八九十]+、\s*/u, '')
      // citations of other documents' 文号 are references, not content
      .replace(/[（(][^（）()]*〔\d{4}〕[^（）()]*号[）)]/gu, '')
      .replace(/[。；;，,\s]+$/u, '');
    if (bare.length > MAX_CLAUSE_CHARS) {
      // cut at the last clause boundary that fits, and say that it was cut
      const cut = bare.slice(0, MAX_CLAUSE_CHARS);
      const at = Math.max(cut.lastIndexOf(','), cut.lastIndexOf('，'), cut.lastIndexOf('、'));
      bare = `${cut.slice(0, at > 40 ? at : MAX_CLAUSE_CHARS)}…`;
    }
    return this.t.phrase(bare).replace(/[.;,]+$/u, '');
  }
}
