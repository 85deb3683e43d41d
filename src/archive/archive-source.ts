/**
 * The pseudo-source that archive imports belong to: it has a row in `sources` (notices point at it)
 * but no lists to scrape.
 * @module
 */
export const ARCHIVE_SOURCE = {
  id: 'archive',
  nameZh: '内置档案',
  nameKo: '내장 아카이브',
  nameEn: 'Imported archive of real notices',
  baseUrl: 'archive:',
  schedule: '-',
} as const;
