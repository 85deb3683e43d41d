/**
 * Numbers, dates, amounts and periods in Chinese policy text, rendered in Korean before the rest of
 * the text is translated: `自2020年7月1日起至12月31日止` → `2020년 7월 1일부터 12월 31일까지`,
 * `3.5亿元` → `3.5억 위안`, `第一批` → `제1차`, `一、实施范围` → `1. 실시 범위`.
 * @module
 */

const DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** Chinese numerals up to 9,999 (`十二` → 12, `二十三` → 23, `一百零五` → 105); null when not a numeral. */
export function chineseNumeral(text: string): number | null {
  if (/^\d+$/.test(text)) return Number(text);
  if (!/^[零〇一二两三四五六七八九十百千]+$/u.test(text)) return null;
  let total = 0;
  let digit = 0;
  for (const ch of text) {
    if (ch in DIGITS) digit = DIGITS[ch]!;
    else {
      const unit = ch === '十' ? 10 : ch === '百' ? 100 : 1000;
      total += (digit || 1) * unit;
      digit = 0;
    }
  }
  return total + digit;
}

const NUM = '[0-9０-９.]+';
const CN_NUM = '[零〇一二两三四五六七八九十百千]+';

/** One rewrite: a pattern and its Korean form. Order matters: longer forms first. */
const RULES: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  // 自2020年7月1日起至12月31日止 / 自2020年7月1日至2020年12月31日
  [
    new RegExp(`自?\\s*(\\d{4})年(\\d{1,2})月(\\d{1,2})日起?\\s*至\\s*(?:(\\d{4})年)?(\\d{1,2})月(\\d{1,2})日止?`, 'gu'),
    (m) => `${m[1]}년 ${Number(m[2])}월 ${Number(m[3])}일부터 ${m[4] ? `${m[4]}년 ` : ''}${Number(m[5])}월 ${Number(m[6])}일까지`,
  ],
  [new RegExp(`自\\s*(\\d{4})年(\\d{1,2})月(\\d{1,2})日起`, 'gu'), (m) => `${m[1]}년 ${Number(m[2])}월 ${Number(m[3])}일부터`],
  [new RegExp(`(?:到|至|截至)\\s*(\\d{4})年(\\d{1,2})月(\\d{1,2})日(?:前)?`, 'gu'), (m) => `${m[1]}년 ${Number(m[2])}월 ${Number(m[3])}일까지`],
  [new RegExp(`(?:到|至)\\s*(\\d{4})年(?:底|末)?`, 'gu'), (m) => `${m[1]}년까지`],
  [new RegExp(`(\\d{4})年(\\d{1,2})月(\\d{1,2})日`, 'gu'), (m) => `${m[1]}년 ${Number(m[2])}월 ${Number(m[3])}일`],
  [new RegExp(`(\\d{4})年(\\d{1,2})月`, 'gu'), (m) => `${m[1]}년 ${Number(m[2])}월`],
  [new RegExp(`(\\d{1,2})月(\\d{1,2})日`, 'gu'), (m) => `${Number(m[1])}월 ${Number(m[2])}일`],
  [new RegExp(`(\\d{4})[—–-](\\d{4})年`, 'gu'), (m) => `${m[1]}~${m[2]}년`],
  [new RegExp(`(\\d{4})年`, 'gu'), (m) => `${m[1]}년`],
  [new RegExp(`(${NUM})\\s*万亿元`, 'gu'), (m) => `${m[1]}조 위안`],
  [new RegExp(`(${NUM})\\s*亿元`, 'gu'), (m) => `${m[1]}억 위안`],
  [new RegExp(`(${NUM})\\s*万元`, 'gu'), (m) => `${m[1]}만 위안`],
  [new RegExp(`(${NUM})\\s*元`, 'gu'), (m) => `${m[1]} 위안`],
  [new RegExp(`(${NUM})\\s*亿`, 'gu'), (m) => `${m[1]}억`],
  [new RegExp(`(${NUM})\\s*万`, 'gu'), (m) => `${m[1]}만`],
  [new RegExp(`(${NUM})\\s*个百分点`, 'gu'), (m) => `${m[1]}%포인트`],
  [new RegExp(`(${NUM})\\s*[%％]`, 'gu'), (m) => `${m[1]}%`],
  [new RegExp(`百分之(${CN_NUM})`, 'gu'), (m) => `${chineseNumeral(m[1]!)}%`],
  [new RegExp(`第(${CN_NUM}|\\d+)批`, 'gu'), (m) => `제${chineseNumeral(m[1]!)}차`],
  [new RegExp(`第(${CN_NUM}|\\d+)次`, 'gu'), (m) => `제${chineseNumeral(m[1]!)}차`],
  [new RegExp(`第(${CN_NUM}|\\d+)条`, 'gu'), (m) => `제${chineseNumeral(m[1]!)}조`],
  [new RegExp(`第(${CN_NUM}|\\d+)号`, 'gu'), (m) => `제${chineseNumeral(m[1]!)}호`],
  [new RegExp(`(\\d+)\\s*个工作日`, 'gu'), (m) => `${m[1]} 영업일`],
  [new RegExp(`(\\d+)\\s*(?:个)?月`, 'gu'), (m) => `${m[1]}개월`],
  [new RegExp(`(\\d+)\\s*日`, 'gu'), (m) => `${m[1]}일`],
  [new RegExp(`(\\d+)\\s*(?:家|个)`, 'gu'), (m) => `${m[1]}개`],
  [new RegExp(`(\\d+)\\s*名`, 'gu'), (m) => `${m[1]}명`],
];

/** Marks a rendered span so the translator leaves it alone. */
export const KEEP_OPEN = '\u0001';
export const KEEP_CLOSE = '\u0002';

/**
 * Renders dates, periods, amounts and counts in Korean, wrapped in keep-markers.
 * @example renderNumbers('自2020年7月1日起至12月31日止') // '\u00012020년 7월 1일부터 12월 31일까지\u0002'
 */
export function renderNumbers(text: string): string {
  let out = text.normalize('NFKC');
  for (const [pattern, render] of RULES) {
    out = out.replace(pattern, (...args) => {
      const groups = args.slice(0, -2) as string[];
      const m = Object.assign(groups, { index: 0, input: '' }) as unknown as RegExpExecArray;
      return `${KEEP_OPEN}${render(m)}${KEEP_CLOSE}`;
    });
  }
  return out;
}

/** A top-level section heading `一、实施范围` → `{number: 1, title: '实施范围'}`; null otherwise. */
export function sectionHeading(line: string): { number: number; title: string } | null {
  const m = /^\s*([一二三四五六七八九十]+)、\s*(.{2,24}?)[。.]?\s*$/u.exec(line);
  if (!m) return null;
  const number = chineseNumeral(m[1]!);
  return number ? { number, title: m[2]! } : null;
}
