/**
 * End to end over real HTTP: a local mirror of gov.cn pages → `cpt scrape gov-cn` (a child process,
 * CPT_HOST_MAP pointing at the mirror) → the API returns the notices with the right fields; a second
 * scrape adds nothing. On the embedded database (API through `cpt serve`, with a CLI scrape while
 * it runs) and on PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCES } from '../scrapers/index.js';
import { createApp } from '../src/api/app.js';
import { apiKeyAuthenticator } from '../src/api/api-keys.js';
import { postgresKysely } from '../src/db/client.js';
import { IssuerDirectory } from '../src/issuers/issuer.directory.js';
import { loadIssuerDirectory } from '../src/issuers/issuer.repository.js';
import { ISSUER_SEED } from '../src/issuers/registry-data.js';
import { runCli, startServer, testEnv } from './support/cli.js';
import { createPostgresDatabase, POSTGRES_SKIP_REASON, POSTGRES_URL } from './support/databases.js';
import { GOOD_PAGES, GOV_CN_EXPECTED, GOV_CN_MIRROR } from './support/fixture-store.js';
import { type MirrorServer, startMirrorServer } from './support/mirror-server.js';

const noSpace = (s: string) => s.replace(/[\s\u3000\u00a0]/g, '');
const registry = new IssuerDirectory(ISSUER_SEED.map((s, i) => ({ id: i, nameZh: s.nameZh, aliases: s.aliases, nameKo: s.nameKo })));
/** The name the API shows for an issuer written on a page: the registry's gov.cn form. */
const canonical = (written: string) => registry.resolve(written)?.nameZh ?? written;

let mirror: MirrorServer;
beforeAll(async () => {
  mirror = await startMirrorServer(GOV_CN_MIRROR);
});
afterAll(async () => {
  await mirror?.close();
});

type Fetch = (path: string) => Promise<any>;

/** Checks every stored notice against the fixtures' expected values, through the API. */
async function checkStoredNotices(api: Fetch) {
  const list = await api('/api/notices?limit=100');
  expect(list.items).toHaveLength(GOOD_PAGES.length);
  const byUrl = new Map<string, any>(list.items.map((n: any) => [n.url, n]));
  for (const url of GOOD_PAGES) {
    const want = GOV_CN_EXPECTED[url];
    const got = byUrl.get(url);
    expect(got, url).toBeDefined();
    expect(got.title_zh).toBe(want.title_zh);
    expect(got.doc_number).toBe(want.doc_number);
    expect(got.doc_type).toBe(want.doc_type);
    expect(got.written_date).toBe(want.written_date);
    expect(got.published_date).toBe(want.published_date);
    expect(got.topic_zh).toBe(want.topic_zh);
    expect(got.attachments).toEqual(want.attachments);
    expect(got.issuers.map((i: any) => i.name_zh)).toEqual(want.issuers.map(canonical));
    for (const issuer of got.issuers) expect(issuer.name_ko, `${url} ${issuer.name_zh}`).toBeTruthy();
    const detail = await api(`/api/notices/${got.id}`);
    expect(noSpace(detail.body_text).startsWith(noSpace(want.body_starts_with))).toBe(true);
    expect(noSpace(detail.body_text).endsWith(noSpace(want.body_ends_with))).toBe(true);
    expect(detail.urls).toEqual([url]);
  }
  const search = await api(`/api/notices?q=${encodeURIComponent('医疗保障')}`);
  expect(search.items.map((n: any) => n.doc_number)).toContain('国办发〔2020〕20号');
}

function expectFirstRunSummary(stdout: string) {
  expect(stdout).toMatch(new RegExp(`gov-cn\\s+partial\\s+seen 23\\s+new ${GOOD_PAGES.length}\\s+updated 0\\s+unchanged 0\\s+failed 4`));
  expect(stdout).toMatch(/✗ fetch https:\/\/www\.gov\.cn\/zhengce\/zhengceku\/2020-06\/22\/content_5520984\.htm: HTTP 404/);
  expect(stdout).toMatch(/✗ parse .*content_5470995\.htm: no_title/);
  expect(stdout).toMatch(/✗ parse .*content_5639817\.htm: truncated/);
  expect(stdout).toMatch(/✗ parse .*content_5395118\.htm: no_body/);
  expect(stdout).toMatch(/! parse .*content_5482611\.htm: 成文日期 "2020年13月45日" is not a valid date/);
}

describe('scrape gov.cn end to end [pglite]', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'cpt-e2e-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stores every notice from the mirror, serves them, and a second scrape adds nothing', async () => {
    const env = testEnv({ DATA_DIR: dataDir, CPT_HOST_MAP: `www.gov.cn=${mirror.origin}` });
    const first = await runCli(['scrape', 'gov-cn'], env);
    expect(first.stderr).not.toMatch(/Error|error:/);
    expect(first.code).toBe(0);
    expectFirstRunSummary(first.stdout);

    const server = await startServer(env);
    try {
      const api: Fetch = async (path) => (await fetch(`${server.url}${path}`)).json();
      await checkStoredNotices(api);

      // while the server runs, the CLI shares its database
      const again = await runCli(['scrape', 'gov-cn'], env);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/gov-cn\s+ok\s+seen 0\s+new 0/);
      const full = await runCli(['scrape', 'gov-cn', '--full'], env);
      expect(full.stdout).toMatch(new RegExp(`new 0\\s+updated 0\\s+unchanged ${GOOD_PAGES.length}\\s+failed 4`));
      expect((await api('/api/notices?limit=100')).items).toHaveLength(GOOD_PAGES.length);

      const sources = await api('/api/sources');
      expect(sources.items[0].last_run).toMatchObject({ status: 'partial', mode: 'full', counts: { new: 0, failed: 4 } });
      expect(sources.items[0].last_run.errors.filter((e: any) => e.kind === 'error')).toHaveLength(4);
      const cliSources = await runCli(['sources'], env);
      expect(cliSources.code).toBe(0);
      expect(cliSources.stdout).toMatch(/gov-cn .*\n\s+last run: partial/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

describe.skipIf(!POSTGRES_URL)(`scrape gov.cn end to end [postgres]${POSTGRES_URL ? '' : ` (${POSTGRES_SKIP_REASON})`}`, () => {
  it('stores every notice on PostgreSQL, and a second scrape adds nothing', async () => {
    const { url, drop } = await createPostgresDatabase();
    try {
      const env = testEnv({ DATABASE_URL: url, CPT_HOST_MAP: `www.gov.cn=${mirror.origin}` });
      const first = await runCli(['scrape', 'gov-cn'], env);
      expect(first.code).toBe(0);
      expectFirstRunSummary(first.stdout);
      const again = await runCli(['scrape', 'gov-cn'], env);
      expect(again.stdout).toMatch(/gov-cn\s+ok\s+seen 0\s+new 0/);

      const db = postgresKysely({ connectionString: url }, 2);
      try {
        const directory = await loadIssuerDirectory(db);
        const app = createApp({ db, sources: SOURCES, directory: () => directory, authenticate: apiKeyAuthenticator(db, []), scrapes: null, version: 'test' });
        await checkStoredNotices(async (path) => (await app.request(path)).json());
      } finally {
        await db.destroy();
      }
    } finally {
      await drop();
    }
  });
});
