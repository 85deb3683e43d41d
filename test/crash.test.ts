/**
 * Crash safety: `cpt scrape` is killed with SIGKILL in the middle of a run. Afterwards the database
 * opens cleanly, no notice is half-written (each has its source URL and its issuers), the killed
 * run is closed as interrupted, and a re-run completes with every notice exactly once.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, postgresKysely } from '../src/db/client.js';
import { LOCK_FILE } from '../src/db/data-dir-lock.js';
import type { Database } from '../src/db/schema.js';
import { runCli, spawnCli, testEnv } from './support/cli.js';
import { createPostgresDatabase, POSTGRES_SKIP_REASON, POSTGRES_URL } from './support/databases.js';
import { GOOD_PAGES, GOV_CN_EXPECTED, GOV_CN_MIRROR } from './support/fixture-store.js';
import { type MirrorServer, startMirrorServer } from './support/mirror-server.js';

let mirror: MirrorServer;
beforeAll(async () => {
  mirror = await startMirrorServer(GOV_CN_MIRROR);
});
afterAll(async () => {
  await mirror?.close();
});

/** Starts a slow scrape and kills it once `pages` detail pages have been requested. */
async function killMidRun(env: NodeJS.ProcessEnv, pages: number): Promise<void> {
  mirror.requests.length = 0;
  mirror.slow.pattern = /content_\d+\.htm$/;
  mirror.slow.ms = 150;
  const child = spawnCli(['scrape', 'gov-cn'], env);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const deadline = Date.now() + 60_000;
  while (mirror.requests.filter((r) => /content_\d+\.htm$/.test(r.path)).length < pages) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`scrape did not reach ${pages} pages:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  mirror.slow.pattern = null;
}

/** No half-written notice: every notice has its URL row, the issuers its page lists, and a search vector. */
async function checkConsistency(db: Kysely<Database>) {
  const rows = await sql<{ id: string; url: string | null; sources: number; issuers: number }>`
    select n.id, n.url,
      (select count(*) from notice_sources s where s.notice_id = n.id)::int as sources,
      (select count(*) from notice_issuers i where i.notice_id = n.id)::int as issuers
    from notices n`.execute(db);
  for (const row of rows.rows) {
    expect(row.sources, row.url ?? row.id).toBe(1);
    const want = GOV_CN_EXPECTED[row.url!];
    expect(want?.ok, row.url ?? '').toBe(true);
    expect(row.issuers, row.url ?? '').toBe(want.issuers.length);
  }
  const orphans = await sql<{ n: number }>`select count(*)::int as n from notice_sources s where not exists (select 1 from notices n where n.id = s.notice_id)`.execute(db);
  expect(orphans.rows[0]!.n).toBe(0);
  return rows.rows.length;
}

async function checkComplete(db: Kysely<Database>) {
  const urls = await db.selectFrom('notice_sources').select('url').execute();
  expect(urls.map((u) => u.url).sort()).toEqual([...GOOD_PAGES].sort());
  const notices = await db.selectFrom('notices').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  expect(Number(notices.n)).toBe(GOOD_PAGES.length);
  const runs = await db.selectFrom('scrape_runs').select(['status', 'message']).orderBy('id').execute();
  expect(runs[0]).toMatchObject({ status: 'failed', message: expect.stringMatching(/interrupted/) });
  expect(runs[runs.length - 1]!.status).toBe('partial');
}

describe('crash safety [pglite]', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'cpt-crash-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('survives SIGKILL mid-run: opens cleanly, no half-written notice, re-run completes', async () => {
    const env = testEnv({ DATA_DIR: dataDir, CPT_HOST_MAP: `www.gov.cn=${mirror.origin}` });
    await killMidRun(env, 14);
    // the killed process left its lock behind; the next process takes it over
    expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')).pid).toBeGreaterThan(0);

    const handle = await openDatabase({ dataDir, role: 'cli', command: 'crash test', share: false, waitMs: 5_000 });
    try {
      const stored = await checkConsistency(handle.db);
      expect(stored).toBeGreaterThan(0);
      expect(stored).toBeLessThan(GOOD_PAGES.length);
    } finally {
      await handle.close();
    }

    const rerun = await runCli(['scrape', 'gov-cn'], env);
    expect(rerun.code).toBe(0);
    const after = await openDatabase({ dataDir, role: 'cli', command: 'crash test', share: false });
    try {
      await checkConsistency(after.db);
      await checkComplete(after.db);
    } finally {
      await after.close();
    }
  });
});

describe.skipIf(!POSTGRES_URL)(`crash safety [postgres]${POSTGRES_URL ? '' : ` (${POSTGRES_SKIP_REASON})`}`, () => {
  it('survives SIGKILL mid-run: no half-written notice, re-run completes', async () => {
    const { url, drop } = await createPostgresDatabase();
    const db = postgresKysely({ connectionString: url }, 2);
    try {
      const env = testEnv({ DATABASE_URL: url, CPT_HOST_MAP: `www.gov.cn=${mirror.origin}` });
      await runCli(['migrate'], env);
      await killMidRun(env, 14);
      const stored = await checkConsistency(db);
      expect(stored).toBeGreaterThan(0);
      const rerun = await runCli(['scrape', 'gov-cn'], env);
      expect(rerun.code).toBe(0);
      await checkConsistency(db);
      await checkComplete(db);
    } finally {
      await db.destroy();
      await drop();
    }
  });
});
