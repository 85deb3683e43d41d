/**
 * Reading helpers of the Hanweb-style ministry pages (MIIT, NHC):
 *
 * - `detectChallenge` (from `challenge.ts`): the anti-bot pages served instead of content.
 * - {@link issuersFromTitle}: the issuing bodies named at the opening of a title (`财政部 工业和信息化部
 *   科技部 发展改革委关于…`, `国家卫生健康委员会公告`).
 * - {@link signatureDate}: the date under the signature at the end of a document (成文日期).
 * - {@link splitAnnouncementNumber}: `…公告（2020年第1号）` → title and 文号 `2020年第1号`.
 * - {@link readLabelledSpans}: `<span>label：</span><span>value</span>` pairs read by label.
 * @module
 */
import type { Cheerio } from 'cheerio';
import type { AnyNode } from 'domhandler';
import { tryParseSiteDate } from '../../src/domain/dates.js';
import { type CheerioAPI, labelKey } from './html.js';

export { type Challenge, type ChallengeVendor, detectChallenge } from './challenge.js';

/** Names of government bodies end like this (部, 委, 局, 办公厅, 中国科协 …). */
const BODY_NAME = /^[\p{Script=Han}（）()]{2,30}(?:部|委|局|厅|院|署|会|办|行|室|司|协|中心|政府|集团)$/u;
const NOT_A_BODY = /[《》“”"\d]|关于|通知|意见|办法/u;

function isBodyName(name: string): boolean {
  return BODY_NAME.test(name) && !NOT_A_BODY.test(name);
}

/**
 * The issuing bodies a title names at its opening: the part before `关于` split on spaces and 、
 * (`财政部 工业和信息化部 科技部 发展改革委关于…`), the body before `等N部门`
 * (`工业和信息化部等七部门关于…` → 工业和信息化部), or the body announcing (`国家卫生健康委员会公告`).
 * @returns the names as written, or [] when the opening does not name bodies (`关于…`, `三部门关于…`)
 */
export function issuersFromTitle(title: string): string[] {
  const text = title.replace(/\s+/gu, ' ').trim();
  const opening = /^(.+?)关于/u.exec(text)?.[1]?.trim() ?? /^(.+?)(?:公告|通告|令)$/u.exec(text)?.[1]?.trim();
  if (!opening) return [];
  const names = opening.split(/[ \u3000、，,]+/u).filter(Boolean);
  if (names.length && names.every(isBodyName)) return names;
  const lead = /^(.+?)等(?:[一二三四五六七八九十\d]+个?)?(?:部门|单位|部委)$/u.exec(opening)?.[1];
  if (lead) {
    const leadNames = lead.split(/[ \u3000、，,]+/u).filter(Boolean);
    if (leadNames.length && leadNames.every(isBodyName)) return leadNames;
  }
  return [];
}

const SIGNATURE_DATE = /^(\d{4})年(\d{1,2})月(\d{1,2})日$/u;

/**
 * The date written under the signature at the end of a document (`工业和信息化部办公厅` / `2022年12月28日`),
 * looked for in the last three lines so that a trailing `(联系电话:…)` or attachment line is skipped.
 * @returns the ISO day, or null when the text does not end with a signature date
 */
export function signatureDate(bodyText: string): string | null {
  const lines = bodyText
    .split('\n')
    .map((line) => line.replace(/[\s\u3000]+/gu, ''))
    .filter(Boolean);
  for (const line of lines.slice(-3).reverse()) {
    if (SIGNATURE_DATE.test(line)) return tryParseSiteDate(line);
  }
  return null;
}

const ANNOUNCEMENT_NUMBER = /^(.*?(?:公告|通告|令))\s*[（(]?\s*(\d{4}\s*年\s*第\s*\d+\s*号)\s*[）)]?$/u;

/**
 * Splits the number off an announcement title: `中华人民共和国国家卫生健康委员会公告（2020年第1号）` and
 * `国家卫生健康委员会公告 2022年第7号` → the title and `2020年第1号`. (`stripAppendedDocNumber` only knows
 * 文号 with a year in brackets, `〔2020〕`.)
 * @returns null when the title does not end with such a number
 */
export function splitAnnouncementNumber(title: string): { title: string; number: string } | null {
  const m = ANNOUNCEMENT_NUMBER.exec(title.trim());
  if (!m) return null;
  return { title: m[1]!.trim(), number: m[2]!.replace(/\s+/gu, '') };
}

/**
 * Reads label/value pairs written as sibling elements (`<p><span>文　　号：</span><span>…</span></p>`):
 * an element whose text ends with a colon is a label and the next element its value.
 * @returns label (whitespace removed, no colon) → value, first occurrence wins
 */
export function readLabelledSpans($: CheerioAPI, scope: Cheerio<AnyNode>): Map<string, string> {
  const out = new Map<string, string>();
  scope.find('p, li, dd, div').each((_, block) => {
    const children = $(block).children().toArray();
    for (let i = 0; i < children.length - 1; i++) {
      const raw = $(children[i]!).text().replace(/[\s\u3000\u00a0]+/gu, ' ').trim();
      if (!/[：:]$/u.test(raw)) continue;
      const key = labelKey(raw);
      if (!key || key.length > 8) continue;
      const value = $(children[i + 1]!).text().replace(/[\s\u3000\u00a0]+/gu, ' ').trim();
      if (!out.has(key)) out.set(key, value);
      i++;
    }
  });
  return out;
}
