/**
 * What a Chinese official document's title, 文号 and text tell about it: the document type,
 * a normalised 文号 and title for matching copies of one document, and the stated effective date.
 * @module
 */
import { tryParseSiteDate } from './dates.js';

/**
 * 公文种类 recognised at the end of a title, longest first so 指导意见 wins over 意见.
 * Values are what the gov.cn library writes in its 公文种类 cell.
 */
const TITLE_ENDINGS: Array<[ending: string, type: string]> = [
  ['指导意见', '意见'],
  ['实施意见', '意见'],
  ['的通知', '通知'],
  ['通知', '通知'],
  ['通报', '通报'],
  ['意见', '意见'],
  ['公告', '公告'],
  ['通告', '通告'],
  ['决定', '决定'],
  ['决议', '决议'],
  ['命令', '命令'],
  ['批复', '批复'],
  ['复函', '函'],
  ['的函', '函'],
  ['函', '函'],
  ['报告', '报告'],
  ['请示', '请示'],
  ['议案', '议案'],
  ['纪要', '纪要'],
  ['公报', '公报'],
  ['令', '令'],
];

/**
 * Infers the 公文种类 from how the title ends (`…的通知` → 通知), ignoring an appended 文号.
 * @returns the type, or null when the ending is not a known type.
 */
export function docTypeFromTitle(title: string): string | null {
  const bare = stripAppendedDocNumber(title).replace(/[\s。.]+$/u, '');
  for (const [ending, type] of TITLE_ENDINGS) {
    if (bare.endsWith(ending)) return type;
  }
  return null;
}

/** A 文号 in full-width or ASCII parentheses at the end of a title: `…的通知（国办函〔2020〕128号）`. */
const APPENDED_DOC_NUMBER = /[（(]\s*([^（）()]*?(?:〔|\[|【|［)\s*\d{4}\s*(?:〕|\]|】|］)[^（）()]*?号)\s*[）)]\s*$/u;

/** @returns the 文号 appended to a title in parentheses, or null. */
export function docNumberFromTitle(title: string): string | null {
  const m = APPENDED_DOC_NUMBER.exec(title.trim());
  return m ? normalizeDocNumber(m[1]!) : null;
}

/** @returns the title without an appended 文号 in parentheses. */
export function stripAppendedDocNumber(title: string): string {
  return title.trim().replace(APPENDED_DOC_NUMBER, '').trim();
}

/**
 * Writes a 文号 the way the gov.cn library does: year in 〔〕, half-width digits, and spaces only
 * between two issuers' names (`财政部 税务总局公告2020年第13号`).
 * @example normalizeDocNumber('国办发[2020] 20 号') // '国办发〔2020〕20号'
 */
export function normalizeDocNumber(value: string): string {
  return value
    .normalize('NFKC')
    .trim()
    .replace(/(?<=\p{Script=Han})\s+(?=\p{Script=Han})/gu, '\u0001')
    .replace(/\s+/g, '')
    .replace(/\u0001/g, ' ')
    .replace(/[[【〔(（]\s*(\d{4})\s*[\]】〕)）]/g, '〔$1〕');
}

/**
 * The matching key of a title: NFKC, no whitespace or punctuation, no appended 文号,
 * so that copies of one document on different sites compare equal.
 */
export function titleKey(title: string): string {
  return stripAppendedDocNumber(title)
    .normalize('NFKC')
    .replace(/[\s\p{P}\p{S}]+/gu, '')
    .toLowerCase();
}

/** The matching key of a 文号: normalised, without any space (`null` for empty). */
export function docNumberKey(docNumber: string | null | undefined): string | null {
  if (!docNumber?.trim()) return null;
  return normalizeDocNumber(docNumber).replace(/\s+/g, '');
}

const EFFECTIVE_EXPLICIT =
  /(?:本|此)[^。；;\n]{0,16}?自\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*(?:起)?\s*(?:施行|实施|执行|生效)/u;
const EFFECTIVE_ON_ISSUE = /自(印发|发布|公布)之日起(?:施行|实施|执行|生效)/u;

/**
 * The 施行日期 the text states for itself (`本办法自2023年1月1日起施行`; `自印发之日起施行` means the
 * written date, `自发布之日起施行` the published date).
 * @returns the ISO day, or null when the text states none.
 */
export function effectiveDateFromText(
  body: string,
  dates: { written: string | null; published: string | null },
): string | null {
  const explicit = EFFECTIVE_EXPLICIT.exec(body);
  if (explicit) return tryParseSiteDate(explicit[1]!);
  const onIssue = EFFECTIVE_ON_ISSUE.exec(body);
  if (onIssue) return onIssue[1] === '印发' ? dates.written : (dates.published ?? dates.written);
  return null;
}
