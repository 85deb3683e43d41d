import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from './support/databases.js';
import { ingestScraped, scrapedFromArchive } from './support/notices.js';

const URL_02 = 'https://www.gov.cn/zhengce/zhengceku/2020-06/28/content_5522280.htm';
const NDRC_02 = 'https://www.ndrc.gov.cn/xxgk/zcfb/tz/202006/t20200628_1232382.html';

describeEachDatabase('ingest', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  const counts = async () => {
    const row = await sql<{ notices: number; sources: number; revisions: number; issuers: number }>`
      select (select count(*) from notices)::int as notices, (select count(*) from notice_sources)::int as sources,
             (select count(*) from notice_revisions)::int as revisions, (select count(*) from notice_issuers)::int as issuers`.execute(t.db);
    return row.rows[0]!;
  };

  it('stores a notice with its issuers resolved, and re-ingesting changes nothing', async () => {
    const first = await ingestScraped(t.db, scrapedFromArchive('02', URL_02));
    expect(first.outcome).toBe('new');
    const before = await counts();
    const again = await ingestScraped(t.db, scrapedFromArchive('02', URL_02));
    expect(again).toEqual({ noticeId: first.noticeId, outcome: 'unchanged' });
    expect(await counts()).toEqual(before);
    const row = await t.db.selectFrom('notices').selectAll().where('id', '=', first.noticeId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      title_zh: '国家发展改革委关于延长阶段性降低企业用电成本政策的通知',
      doc_number: '发改价格〔2020〕994号',
      doc_number_norm: '发改价格〔2020〕994号',
      first_issuer: '国家发展改革委',
      written_date: '2020-06-24',
      published_date: '2020-06-28',
      sort_date: '2020-06-28',
      doc_type: '通知',
      revision: 1,
    });
    const issuers = await t.db
      .selectFrom('notice_issuers')
      .innerJoin('issuers', 'issuers.id', 'notice_issuers.issuer_id')
      .select(['issuers.name_zh', 'issuers.name_ko'])
      .where('notice_id', '=', first.noticeId)
      .execute();
    expect(issuers).toEqual([{ name_zh: '国家发展改革委', name_ko: '국가발전개혁위원회' }]);
  });

  it('records a new revision when the text at a known URL changes, keeping the old text', async () => {
    const changed = scrapedFromArchive('02', URL_02);
    changed.bodyText = changed.bodyText.replace('95%', '90%');
    const result = await ingestScraped(t.db, changed);
    expect(result.outcome).toBe('revised');
    const row = await t.db.selectFrom('notices').select(['revision', 'body_text']).where('id', '=', result.noticeId).executeTakeFirstOrThrow();
    expect(row.revision).toBe(2);
    expect(row.body_text).toContain('90%');
    const old = await t.db.selectFrom('notice_revisions').selectAll().where('notice_id', '=', result.noticeId).execute();
    expect(old).toHaveLength(1);
    expect(old[0]).toMatchObject({ revision: 1 });
    expect(old[0]!.body_text).toContain('95%');
    // the same changed text again is not another revision
    expect((await ingestScraped(t.db, changed)).outcome).toBe('unchanged');
  });

  it('merges the same document from another source by 文号 + first issuer, as a second URL', async () => {
    const ministryCopy = scrapedFromArchive('02', NDRC_02, {
      titleZh: '国家发展改革委关于延长阶段性降低企业用电成本政策的通知（发改价格〔2020〕994号）',
      docNumber: '发改价格[2020]994号',
      issuerNames: ['国家发展和改革委员会'],
      topicZh: null,
    });
    const before = await counts();
    const result = await ingestScraped(t.db, ministryCopy, 'gov-cn');
    expect(result.outcome).toBe('merged');
    const after = await counts();
    expect(after.notices).toBe(before.notices);
    expect(after.sources).toBe(before.sources + 1);
    expect(after.revisions).toBe(before.revisions);
    const urls = await t.db.selectFrom('notice_sources').select('url').where('notice_id', '=', result.noticeId).orderBy('url').execute();
    expect(urls.map((u) => u.url)).toEqual([NDRC_02, URL_02].sort());
    // and the second URL is now known: re-scraping it is idempotent
    expect((await ingestScraped(t.db, ministryCopy)).outcome).toBe('unchanged');
  });

  it('merges by title + written date when there is no 文号', async () => {
    const a = scrapedFromArchive('29', 'https://www.gov.cn/zhengce/zhengceku/2022-08/01/content_5703747.htm');
    const first = await ingestScraped(t.db, a);
    const b = scrapedFromArchive('29', 'https://www.mee.gov.cn/xxgk2018/xxgk/xxgk06/202208/t20220801_990556.html', {
      titleZh: '关于印发“十四五”环境健康工作规划的通知',
    });
    const second = await ingestScraped(t.db, b);
    expect(second).toEqual({ noticeId: first.noticeId, outcome: 'merged' });
  });

  it('keeps distinct documents apart even with similar titles', async () => {
    const a = await ingestScraped(t.db, scrapedFromArchive('05', 'https://www.gov.cn/zhengce/zhengceku/202308/content_6896070.htm'));
    const b = await ingestScraped(t.db, scrapedFromArchive('08', 'https://www.gov.cn/zhengce/zhengceku/2020-02/28/content_5484631.htm'));
    expect(a.noticeId).not.toBe(b.noticeId);
    expect(b.outcome).toBe('new');
  });

  it('fills metadata a better parse finds, without a revision', async () => {
    const url = 'https://www.gov.cn/zhengce/zhengceku/2022-05/31/content_5693238.htm';
    const bare = await ingestScraped(t.db, scrapedFromArchive('11', url, { topicZh: null }));
    const better = await ingestScraped(t.db, scrapedFromArchive('11', url, { topicZh: '财政、金融、审计\\税务' }));
    expect(better).toEqual({ noticeId: bare.noticeId, outcome: 'updated' });
    const row = await t.db.selectFrom('notices').select(['topic_zh', 'revision']).where('id', '=', bare.noticeId).executeTakeFirstOrThrow();
    expect(row).toEqual({ topic_zh: '财政、金融、审计\\税务', revision: 1 });
  });

  it('stores one notice when two writers race on the same new document', async () => {
    const url = 'https://www.gov.cn/zhengce/content/2020-12/28/content_5574283.htm';
    const results = await Promise.all([0, 1, 2].map(() => ingestScraped(t.db, scrapedFromArchive('36', url))));
    expect(new Set(results.map((r) => r.noticeId)).size).toBe(1);
    const n = await t.db.selectFrom('notice_sources').select('notice_id').where('url', '=', url).execute();
    expect(n).toHaveLength(1);
  });

  it('keeps unknown issuers as written', async () => {
    const result = await ingestScraped(
      t.db,
      scrapedFromArchive('12', 'https://www.gov.cn/zhengce/zhengceku/2023-01/05/content_5735148.htm', { issuerNames: ['工业和信息化部办公厅', '某某试点工作领导小组'] }),
    );
    const rows = await t.db.selectFrom('notice_issuers').select(['issuer_id', 'name_written']).where('notice_id', '=', result.noticeId).orderBy('position').execute();
    expect(rows[0]!.issuer_id).not.toBeNull();
    expect(rows[1]).toEqual({ issuer_id: null, name_written: '某某试点工作领导小组' });
  });
});
