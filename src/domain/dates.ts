/**
 * Dates as the sites write them, read into ISO days (`YYYY-MM-DD`).
 * A notice date is a calendar day in Beijing; it is stored as a `date`, never shifted by a time zone.
 * @module
 */

/** A date value that names a day that does not exist (`2020年13月45日`) or has no date shape. */
export class BadDateError extends Error {
  override name = 'BadDateError';
  constructor(readonly value: string) {
    super(`"${value}" is not a valid date`);
  }
}

const PATTERNS: RegExp[] = [
  // 2020年6月24日, 2020 年 06 月 24 日
  /^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?/,
  // 2020-06-24, 2020/06/24, 2020.06.24, and with a time after (2020-06-24-16:40:05, 2020-06-24 16:40)
  /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:$|[\sT-](?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\.\d+)?$)/,
  // 20200624
  /^(\d{4})(\d{2})(\d{2})$/,
];

/** @returns whether year-month-day names a real calendar day. */
export function isValidDay(year: number, month: number, day: number): boolean {
  if (year < 1949 || year > 2100 || month < 1 || month > 12 || day < 1) return false;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= last;
}

function toDigits(value: string): string {
  // full-width digits and separators appear on older pages
  return value.normalize('NFKC').replace(/\u3007/g, '0').trim();
}

/**
 * Parses a date as written on the sites.
 * @returns the ISO day, or null when `value` is empty.
 * @throws {BadDateError} when `value` is not empty but is not a real date.
 * @example parseSiteDate('2020年06月24日') // '2020-06-24'
 * @example parseSiteDate('2020-07-09-17:00:05') // '2020-07-09'
 */
export function parseSiteDate(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const text = toDigits(value);
  if (!text) return null;
  for (const pattern of PATTERNS) {
    const m = pattern.exec(text);
    if (!m) continue;
    const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (!isValidDay(year, month, day)) throw new BadDateError(value.trim());
    return `${m[1]}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  }
  throw new BadDateError(value.trim());
}

/** Like {@link parseSiteDate} but returns null instead of throwing. */
export function tryParseSiteDate(value: string | null | undefined): string | null {
  try {
    return parseSiteDate(value);
  } catch {
    return null;
  }
}

/** Strict `YYYY-MM-DD` (API parameters). */
export function isIsoDay(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return !!m && isValidDay(Number(m[1]), Number(m[2]), Number(m[3]));
}
