/**
 * The Korean sector taxonomy every notice is classified into.
 * Codes are part of the public API (`?sector=`), so they never change once published.
 * @module
 */
export const SECTORS = [
  { code: 'science_tech', nameKo: '과학기술' },
  { code: 'finance', nameKo: '금융·재정·세제' },
  { code: 'health', nameKo: '의료·보건' },
  { code: 'energy', nameKo: '에너지·전력' },
  { code: 'industry', nameKo: '산업·제조' },
  { code: 'digital', nameKo: 'ICT·디지털·데이터' },
  { code: 'trade', nameKo: '무역·투자' },
  { code: 'environment', nameKo: '환경·기후' },
  { code: 'labor', nameKo: '노동·고용' },
  { code: 'consumer', nameKo: '소비·유통' },
  { code: 'transport', nameKo: '교통·물류' },
  { code: 'agriculture', nameKo: '농업·식품' },
  { code: 'real_estate', nameKo: '부동산·건설' },
  { code: 'education', nameKo: '교육' },
  { code: 'culture', nameKo: '문화·관광' },
  { code: 'general', nameKo: '일반행정' },
] as const;

export type SectorCode = (typeof SECTORS)[number]['code'];

export const SECTOR_CODES: readonly SectorCode[] = SECTORS.map((s) => s.code);

/** @returns whether `value` is one of the published sector codes. */
export function isSectorCode(value: string): value is SectorCode {
  return (SECTOR_CODES as readonly string[]).includes(value);
}
