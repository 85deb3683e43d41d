/**
 * The weekly digest: the notices of one ISO week (Korea time), grouped by sector, in the shape of a
 * Korean newsletter section — `◆ 과학기술` then `▶ <Korean title> (2020.6.18)` per notice, then one
 * section per notice with its titles, issuers, 文号, dates, sectors, Korean summary and source link.
 * @module
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { type SectorCode, SECTORS } from '../domain/sector.js';
import { shortKoreanDate } from '../enrichment/korean.js';

/** Which date puts a notice in a week. */
export type DigestDateBasis = 'published' | 'written' | 'first_seen';

export interface DigestOptions {
  week: string;
  by?: DigestDateBasis;
  sectors?: string[];
  issuerIds?: number[];
  koreaRelevantOnly?: boolean;
  /** Sector order of the sections; the taxonomy order by default. */
  sectorOrder?: string[];
}

export interface DigestNotice {
  id: string;
  titleKo: string;
  titleZh: string;
  issuers: Array<{ nameZh: string; nameKo: string | null }>;
  docNumber: string | null;
  docType: string | null;
  writtenDate: string | null;
  publishedDate: string | null;
  /** The date that placed the notice in this week, and which one it was. */
  date: { basis: DigestDateBasis; value: string };
  sectors: Array<{ code: string; nameKo: string }>;
  summaryKo: string | null;
  summaryStatus: string;
  url: string | null;
  koreaRelevant: boolean;
  koreaReasons: string[];
}

export interface DigestSection {
  sector: { code: string; nameKo: string };
  notices: DigestNotice[];
}

export interface Digest {
  week: string;
  /** Monday and Sunday of the week (Korea time). */
  start: string;
  end: string;
  title: string;
  by: DigestDateBasis;
  filters: { sectors: string[]; issuerIds: number[]; koreaRelevantOnly: boolean };
  total: number;
  sections: DigestSection[];
  generatedAt: string;
}

/** A week string the digest cannot use. */
export class InvalidWeekError extends Error {
  override name = 'InvalidWeekError';
}

const WEEK = /^(\d{4})-W(\d{2})$/;

function isoWeeksInYear(year: number): number {
  // a year has 53 ISO weeks when Jan 1 is a Thursday, or a Wednesday in a leap year
  const jan1 = new Date(Date.UTC(year, 0, 1)).getUTCDay();
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return jan1 === 4 || (leap && jan1 === 3) ? 53 : 52;
}

/**
 * The Monday and Sunday of an ISO week.
 * @throws {InvalidWeekError} naming what is wrong with the string
 * @example weekRange('2020-W26') // { start: '2020-06-22', end: '2020-06-28' }
 */
export function weekRange(week: string): { start: string; end: string; year: number; number: number } {
  const m = WEEK.exec(week);
  if (!m) throw new InvalidWeekError(`"${week}" is not an ISO week; write it like 2020-W26`);
  const year = Number(m[1]);
  const number = Number(m[2]);
  if (year < 1990 || year > 2100) throw new InvalidWeekError(`"${week}": year ${year} is out of range`);
  if (number < 1 || number > isoWeeksInYear(year)) {
    throw new InvalidWeekError(`"${week}": ${year} has weeks 01 to ${isoWeeksInYear(year)}`);
  }
  // ISO week 1 contains January 4th
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const monday = new Date(jan4.getTime() - ((jan4.getUTCDay() + 6) % 7) * 86_400_000 + (number - 1) * 7 * 86_400_000);
  const sunday = new Date(monday.getTime() + 6 * 86_400_000);
  return { start: monday.toISOString().slice(0, 10), end: sunday.toISOString().slice(0, 10), year, number };
}

/** The ISO week (Korea time) a moment falls in. */
export function isoWeekOf(date: Date): string {
  const kst = new Date(date.getTime() + 9 * 3_600_000);
  const day = new Date(Date.UTC(kst.getUTCFullYear(), kst.getUTCMonth(), kst.getUTCDate()));
  // the Thursday of the same ISO week decides its year
  day.setUTCDate(day.getUTCDate() + 3 - ((day.getUTCDay() + 6) % 7));
  const year = day.getUTCFullYear();
  const week1Thursday = new Date(Date.UTC(year, 0, 4));
  week1Thursday.setUTCDate(week1Thursday.getUTCDate() + 3 - ((week1Thursday.getUTCDay() + 6) % 7));
  const week = 1 + Math.round((day.getTime() - week1Thursday.getTime()) / (7 * 86_400_000));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** `중국 중앙정부 정책 주간 동향 — 2020년 26주차 (6.22–6.28)` */
export function digestTitle(year: number, number: number, start: string, end: string): string {
  const short = (iso: string) => shortKoreanDate(iso)!.slice(5);
  return `중국 중앙정부 정책 주간 동향 — ${year}년 ${number}주차 (${short(start)}–${short(end)})`;
}

const SECTOR_NAMES = new Map<string, string>(SECTORS.map((s) => [s.code, s.nameKo]));

/** Reads the week's notices and groups them: each notice once, under its strongest sector. */
export async function buildDigest(db: Kysely<Database>, options: DigestOptions): Promise<Digest> {
  const { start, end, year, number } = weekRange(options.week);
  const by = options.by ?? 'published';
  let query = db
    .selectFrom('notices as n')
    .select([
      'n.id', 'n.title_zh', 'n.title_ko', 'n.doc_number', 'n.doc_type', 'n.written_date', 'n.published_date',
      'n.summary_ko', 'n.summary_status', 'n.url', 'n.korea_relevant', 'n.korea_reasons', 'n.first_seen_at', 'n.sort_date',
    ]);
  if (by === 'published') query = query.where('n.sort_date', '>=', start).where('n.sort_date', '<=', end);
  else if (by === 'written') query = query.where('n.written_date', '>=', start).where('n.written_date', '<=', end);
  else {
    // the week runs Monday 00:00 to Sunday 24:00 Korea time
    query = query
      .where('n.first_seen_at', '>=', new Date(`${start}T00:00:00+09:00`))
      .where('n.first_seen_at', '<', new Date(new Date(`${end}T00:00:00+09:00`).getTime() + 86_400_000));
  }
  if (options.koreaRelevantOnly) query = query.where('n.korea_relevant', '=', true);
  if (options.sectors?.length) {
    const sectors = options.sectors;
    query = query.where((eb) =>
      eb.exists(eb.selectFrom('notice_sectors as s').select(sql.lit(1).as('one')).whereRef('s.notice_id', '=', 'n.id').where('s.code', 'in', sectors)),
    );
  }
  if (options.issuerIds?.length) {
    const ids = options.issuerIds;
    query = query.where((eb) =>
      eb.exists(eb.selectFrom('notice_issuers as i').select(sql.lit(1).as('one')).whereRef('i.notice_id', '=', 'n.id').where('i.issuer_id', 'in', ids)),
    );
  }
  const rows = await query.orderBy(sql`n.sort_date asc nulls last`).orderBy('n.id').execute();
  const ids = rows.map((r) => r.id);
  const [issuers, sectors] = ids.length
    ? await Promise.all([
        db
          .selectFrom('notice_issuers as ni')
          .leftJoin('issuers as i', 'i.id', 'ni.issuer_id')
          .select(['ni.notice_id', 'ni.name_written', 'i.name_zh', 'i.name_ko'])
          .where('ni.notice_id', 'in', ids)
          .orderBy('ni.notice_id')
          .orderBy('ni.position')
          .execute(),
        db
          .selectFrom('notice_sectors')
          .select(['notice_id', 'code', 'score'])
          .where('notice_id', 'in', ids)
          .orderBy('notice_id')
          .orderBy('score', 'desc')
          .orderBy('code')
          .execute(),
      ])
    : [[], []];

  const order = options.sectorOrder?.length ? options.sectorOrder : SECTORS.map((s) => s.code);
  const sections = new Map<string, DigestNotice[]>();
  for (const row of rows) {
    const own = sectors.filter((s) => s.notice_id === row.id);
    // the section a notice goes under: its strongest sector among the ones asked for
    const wanted = options.sectors?.length ? own.filter((s) => options.sectors!.includes(s.code)) : own;
    const primary = (wanted[0] ?? own[0])?.code ?? 'general';
    const basis: DigestDateBasis =
      by === 'first_seen' ? 'first_seen' : by === 'written' ? 'written' : row.published_date ? 'published' : 'written';
    const value =
      basis === 'first_seen'
        ? new Date(new Date(row.first_seen_at).getTime() + 9 * 3_600_000).toISOString().slice(0, 10)
        : basis === 'published'
          ? row.published_date!
          : row.written_date!;
    const notice: DigestNotice = {
      id: row.id,
      titleKo: row.title_ko ?? row.title_zh,
      titleZh: row.title_zh,
      issuers: issuers
        .filter((i) => i.notice_id === row.id)
        .map((i) => ({ nameZh: i.name_zh ?? i.name_written, nameKo: i.name_ko })),
      docNumber: row.doc_number,
      docType: row.doc_type,
      writtenDate: row.written_date,
      publishedDate: row.published_date,
      date: { basis, value },
      sectors: own.map((s) => ({ code: s.code, nameKo: SECTOR_NAMES.get(s.code) ?? s.code })),
      summaryKo: row.summary_ko,
      summaryStatus: row.summary_status,
      url: row.url,
      koreaRelevant: row.korea_relevant,
      koreaReasons: row.korea_reasons,
    };
    const list = sections.get(primary) ?? [];
    list.push(notice);
    sections.set(primary, list);
  }
  const ordered = [...order, ...[...sections.keys()].filter((c) => !order.includes(c))]
    .filter((code) => sections.get(code)?.length)
    .map((code) => ({ sector: { code, nameKo: SECTOR_NAMES.get(code) ?? code }, notices: sections.get(code)! }));
  return {
    week: options.week,
    start,
    end,
    title: digestTitle(year, number, start, end),
    by,
    filters: {
      sectors: (options.sectors ?? []) as SectorCode[],
      issuerIds: options.issuerIds ?? [],
      koreaRelevantOnly: options.koreaRelevantOnly ?? false,
    },
    total: rows.length,
    sections: ordered,
    generatedAt: new Date().toISOString(),
  };
}
