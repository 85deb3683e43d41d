/**
 * Korean writing helpers: particles that depend on the final consonant, and dates as Korean writes them.
 * @module
 */

const HANGUL_FIRST = 0xac00;
const HANGUL_LAST = 0xd7a3;
/** Whether each digit's Korean reading ends in a consonant (영 일 이 삼 사 오 육 칠 팔 구). */
const DIGIT_BATCHIM = [true, true, false, true, false, false, true, true, true, false];

/** Whether the word's last sound has a final consonant (받침), which picks the particle form. */
export function hasBatchim(word: string): boolean {
  const trimmed = word.replace(/[\s)）」』”’"'.,·]+$/u, '');
  const last = trimmed.codePointAt(trimmed.length - 1);
  if (last === undefined) return false;
  if (last >= HANGUL_FIRST && last <= HANGUL_LAST) return (last - HANGUL_FIRST) % 28 !== 0;
  const ch = String.fromCodePoint(last);
  if (/\d/.test(ch)) return DIGIT_BATCHIM[Number(ch)]!;
  if (ch === '%') return false; // 퍼센트
  if (/[a-z]/i.test(ch)) return /[lmnr]/i.test(ch);
  return false;
}

/** Attaches the right form of a particle: `josa('기업', '이', '가')` → `기업이`. */
export function josa(word: string, withBatchim: string, withoutBatchim: string): string {
  return word + (hasBatchim(word) ? withBatchim : withoutBatchim);
}

/** `2020-07-01` → `2020년 7월 1일`. */
export function koreanDate(iso: string | null): string | null {
  if (!iso) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return null;
  return `${m[1]}년 ${Number(m[2])}월 ${Number(m[3])}일`;
}

/** `2020-06-18` → `2020.6.18` (newsletter style). */
export function shortKoreanDate(iso: string | null): string | null {
  if (!iso) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? `${m[1]}.${Number(m[2])}.${Number(m[3])}` : null;
}
