/**
 * Every registered source end to end: one loopback mirror per site (its saved pages), `cpt scrape`
 * of all sources through CPT_HOST_MAP — the challenge sites through chromium with CPT_BROWSER=1 —
 * then every page its fixtures expect to parse is stored exactly once, the same document found on
 * two sites is one notice with both URLs, and a second scrape adds nothing.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCES } from '../scrapers/index.js';
import { openDatabase } from '../src/db/client.js';
import { CHROMIUM_PATH } from '../src/http/browser-fetcher.js';
import { runCli, testEnv } from './support/cli.js';
import { type MirrorServer, startMirrorServer } from './support/mirror-server.js';

interface SourceFixtures {
  id: string;
  host: string;
  mirrorRoot: string;
  okUrls: string[];
}

function fixturesOf(id: string): SourceFixtures {
  const dir = join(process.cwd(), 'scrapers', id, 'fixtures');
  const host = readdirSync(join(dir, 'mirror'))[0]!;
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, any>;
  const okUrls = Object.entries(expected)
    .filter(([url, e]) => url.startsWith('http') && e && e.ok === true)
    .map(([url]) => url);
  return { id, host, mirrorRoot: join(dir, 'mirror', host), okUrls };
}

const hasChromium = existsSync(CHROMIUM_PATH);

describe.skipIf(!hasChromium)(`every source end to end${hasChromium ? '' : ` (not run: no ${CHROMIUM_PATH}; .ci/run installs it)`}`, () => {
  const fixtures = SOURCES.map((s) => fixturesOf(s.id));
  const mirrors: MirrorServer[] = [];
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cpt-all-'));
    const map: string[] = [];
    for (const f of fixtures) {
      const mirror = await startMirrorServer(f.mirrorRoot);
      mirrors.push(mirror);
      map.push(`${f.host}=${mirror.origin}`);
    }
    env = testEnv({ DATA_DIR: dataDir, CPT_HOST_MAP: map.join(','), CPT_BROWSER: '1', CPT_HTTP_TIMEOUT_MS: '20000' });
  });
  afterAll(async () => {
    for (const m of mirrors) await m.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores every expected notice exactly once, merges copies across sites, and a second run adds nothing', async () => {
    const first = await runCli(['scrape'], env, 240_000);
    if (first.code !== 0) console.error(first.stdout, first.stderr);
    expect(first.code).toBe(0);
    for (const s of SOURCES) expect(first.stdout, s.id).toMatch(new RegExp(`^${s.id}\\s+(ok|partial)\\s`, 'm'));

    const second = await runCli(['scrape'], env, 240_000);
    expect(second.code).toBe(0);
    for (const s of SOURCES) expect(second.stdout, s.id).toMatch(new RegExp(`^${s.id}\\s+\\S+\\s+seen \\d+\\s+new 0\\s+updated 0`, 'm'));

    const handle = await openDatabase({ dataDir, role: 'cli', command: 'test', share: false });
    try {
      const rows = (await sql<{ url: string; n: number; source_id: string }>`
        select url, source_id, count(*)::int as n from notice_sources group by url, source_id`.execute(handle.db)).rows;
      const stored = new Map(rows.map((r) => [r.url, r]));
      for (const f of fixtures) {
        for (const url of f.okUrls) {
          expect(stored.get(url)?.n, `${f.id}: ${url}`).toBe(1);
        }
      }
      // a document published on several sites is one notice with all its URLs
      const multi = (await sql<{ notice_id: string; sources: string[] }>`
        select notice_id, array_agg(distinct source_id order by source_id) as sources
        from notice_sources group by notice_id having count(distinct source_id) > 1`.execute(handle.db)).rows;
      expect(multi.length).toBeGreaterThan(0);
      const notices = await handle.db.selectFrom('notices').select(['id', 'title_ko']).execute();
      for (const n of notices) expect(n.title_ko, n.id).toMatch(/[가-힣]/);
    } finally {
      await handle.close();
    }
  }, 480_000);
});
