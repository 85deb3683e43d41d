/**
 * `cpt import` and the bundled archive: archive notice JSON (no invented URL), saved pages laid out
 * by URL path, and WARC files all go through the same parsers and pipeline; re-importing changes
 * nothing; an archive notice and the scraped page of the same document are one notice.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WARCRecord, WARCSerializer } from 'warcio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCES } from '../scrapers/index.js';
import { ARCHIVE_SOURCE } from '../src/archive/archive-source.js';
import { BUNDLED_ARCHIVE_DIR } from '../src/archive/bundled-archive.js';
import { importPaths, urlFromSavedPath } from '../src/archive/import.js';
import { createApp } from '../src/api/app.js';
import { apiKeyAuthenticator } from '../src/api/api-keys.js';
import { createEnricher } from '../src/enrichment/index.js';
import { loadIssuerDirectory } from '../src/issuers/issuer.repository.js';
import { startServer, testEnv } from './support/cli.js';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from './support/databases.js';
import { GOOD_PAGES, GOV_CN_MIRROR, savedPageText } from './support/fixture-store.js';

describeEachDatabase('import', (kind) => {
  let t: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
    dir = mkdtempSync(join(tmpdir(), 'cpt-import-'));
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const deps = async () => ({ db: t.db, directory: await loadIssuerDirectory(t.db), enricher: createEnricher() });
  const api = async (path: string) => {
    const directory = await loadIssuerDirectory(t.db);
    const app = createApp({ db: t.db, sources: SOURCES, directory: () => directory, authenticate: apiKeyAuthenticator(t.db, []), scrapes: null, version: 't' });
    return (await app.request(path)).json() as Promise<any>;
  };

  it('imports the archive of real notices, with archive identifiers and no invented URLs', async () => {
    const summary = await importPaths(await deps(), SOURCES, [BUNDLED_ARCHIVE_DIR]);
    expect(summary.counts.new).toBe(26);
    expect(summary.counts.skipped).toBe(1); // README.md
    const { items } = await api('/api/notices?source=archive&limit=100');
    expect(items).toHaveLength(26);
    for (const n of items) {
      expect(n.source).toBe(ARCHIVE_SOURCE.id);
      expect(n.archive_id).toMatch(/^notices\/\d{2}$/);
      expect(n.title_ko).toMatch(/[가-힣]/);
      expect(n.sectors.length).toBeGreaterThan(0);
    }
    // only 07.json states its official URL; the others carry no link at all
    const withUrl = items.filter((n: any) => n.url !== null);
    expect(withUrl.map((n: any) => n.url)).toEqual(['http://www.nhc.gov.cn/xcs/zhengcwj/202212/6630916374874368b9fea6c2253289e1.shtml']);
    const electricity = items.find((n: any) => n.doc_number === '发改价格〔2020〕994号');
    const detail = await api(`/api/notices/${electricity.id}`);
    expect(detail.urls).toEqual([]);
    expect(detail.body_text).toContain('95%');

    const again = await importPaths(await deps(), SOURCES, [BUNDLED_ARCHIVE_DIR]);
    expect(again.counts).toMatchObject({ new: 0, unchanged: 26 });
  });

  it('merges an archive notice with the scraped page of the same document', async () => {
    const url = 'https://www.gov.cn/zhengce/zhengceku/2020-06/28/content_5522280.htm';
    const pages = join(dir, 'pages');
    mkdirSync(join(pages, 'www.gov.cn', 'zhengce', 'zhengceku', '2020-06', '28'), { recursive: true });
    cpSync(join(GOV_CN_MIRROR, 'zhengce/zhengceku/2020-06/28/content_5522280.htm'), join(pages, 'www.gov.cn/zhengce/zhengceku/2020-06/28/content_5522280.htm'));
    writeFileSync(join(pages, 'notes.txt'), 'not a page');
    const summary = await importPaths(await deps(), SOURCES, [pages]);
    expect(summary.counts).toMatchObject({ merged: 1, new: 0, failed: 0 });
    const { items } = await api(`/api/notices?q=${encodeURIComponent('发改价格〔2020〕994号')}`);
    expect(items).toHaveLength(1);
    expect(items[0].url).toBe(url);
    expect(items[0].archive_id).toBe('notices/02');
    expect(items[0].topic_zh).toBe('国土资源、能源\\电力');
    const detail = await api(`/api/notices/${items[0].id}`);
    expect(detail.urls).toEqual([url]);
  });

  it('imports the pages of a WARC file and reports what it skipped', async () => {
    const records: Uint8Array[] = [];
    const response = async (url: string, status: number, body: string, contentType: string) => {
      const record = await WARCRecord.create(
        {
          url,
          type: 'response',
          httpHeaders: { 'Content-Type': contentType },
          statusline: `HTTP/1.1 ${status} ${status === 200 ? 'OK' : 'Not Found'}`,
        },
        (async function* () {
          yield new TextEncoder().encode(body);
        })(),
      );
      records.push(await WARCSerializer.serialize(record, { gzip: true }));
    };
    const [first, second] = GOOD_PAGES.filter((u) => !u.includes('5522280'));
    await response(first!, 200, savedPageText(first!), 'text/html; charset=utf-8');
    await response(second!, 200, savedPageText(second!), 'text/html; charset=utf-8');
    await response('https://www.gov.cn/zhengce/zhengceku/2020-06/22/content_5520984.htm', 404, 'not found', 'text/html');
    await response('https://www.example.com/elsewhere.html', 200, '<html></html>', 'text/html');
    const file = join(dir, 'crawl.warc.gz');
    writeFileSync(file, Buffer.concat(records.map((r) => Buffer.from(r))));
    const summary = await importPaths(await deps(), SOURCES, [file]);
    expect(summary.counts.new + summary.counts.merged).toBe(2);
    expect(summary.counts.skipped).toBe(2);
    expect(summary.problems.map((p) => p.reason).join('\n')).toMatch(/archived with HTTP 404[\s\S]*not a detail page of a known source/);
    const stored = await t.db.selectFrom('raw_pages').select('url').where('url', 'in', [first!, second!]).execute();
    expect(stored).toHaveLength(2); // kept for `cpt reparse`
  });

  it('maps saved paths to URLs', () => {
    expect(urlFromSavedPath('/x', '/x/www.most.gov.cn/tztg/202006/t20200618_155023.html')).toBe('https://www.most.gov.cn/tztg/202006/t20200618_155023.html');
    expect(urlFromSavedPath('/x', '/x/notes.html')).toBeNull();
  });
});

describe('the bundled archive at start-up', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'cpt-archive-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('is imported into an empty store by `npm start`, and not with CPT_IMPORT_ARCHIVE=0', async () => {
    const off = await startServer(testEnv({ DATA_DIR: join(dataDir, 'off'), CPT_IMPORT_ARCHIVE: '0' }));
    try {
      expect((await (await fetch(`${off.url}/api/notices`)).json()).items).toEqual([]);
    } finally {
      await off.stop();
    }
    const on = await startServer(testEnv({ DATA_DIR: join(dataDir, 'on') }));
    try {
      const body = await (await fetch(`${on.url}/api/notices?limit=100`)).json();
      expect(body.items).toHaveLength(26);
      expect(body.items.every((n: any) => n.source === 'archive' && n.summary_status === 'machine')).toBe(true);
    } finally {
      await on.stop();
    }
  });
});
