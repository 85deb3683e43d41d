/**
 * 公文种类 and the Korean the product uses for them (fixed by the product spec: 通知 → 통지,
 * 意见 → 의견, 指导意见 → 지도의견, 办法 → 판법, 方案 → 방안, 规定 → 규정, 决定 → 결정, 公告 → 공고).
 * @module
 */

/** Longest first, so 指导意见 wins over 意见. */
export const KOREAN_DOC_TYPES: ReadonlyArray<readonly [zh: string, ko: string]> = [
  ['指导意见', '지도의견'],
  ['实施意见', '실시의견'],
  ['若干意见', '약간의 의견'],
  ['实施细则', '실시세칙'],
  ['实施方案', '실시방안'],
  ['行动计划', '행동계획'],
  ['意见', '의견'],
  ['通知', '통지'],
  ['通告', '통고'],
  ['公告', '공고'],
  ['决定', '결정'],
  ['复函', '회신 서한'],
  ['函', '서한'],
  ['批复', '회신'],
  ['通报', '통보'],
  ['报告', '보고'],
  ['请示', '청시'],
  ['规定', '규정'],
  ['办法', '판법'],
  ['方案', '방안'],
  ['决议', '결의'],
  ['细则', '세칙'],
  ['条例', '조례'],
  ['规划', '규획'],
  ['纲要', '강요'],
  ['指引', '지침'],
  ['令', '령'],
];

/** `关于…的<type>` — the pattern of most titles, also inside quoted titles (《关于…的意见》). */
export const ABOUT_PATTERN = new RegExp(`关于(.+?)的(${KOREAN_DOC_TYPES.map(([zh]) => zh).join('|')})$`, 'u');

export function koreanDocType(zh: string): string | undefined {
  return KOREAN_DOC_TYPES.find(([z]) => z === zh)?.[1];
}
