/**
 * The embedded database is opened by one process at a time. The server shares it with CLI commands
 * through a socket; a dead owner's lock is taken over; a second server is refused with a clear message.
 * And the socket bridge keeps each client's transactions apart from the server's own queries.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PGliteDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPglite } from '../src/db/client.js';
import { LOCK_FILE } from '../src/db/data-dir-lock.js';
import { startPgliteBridge } from '../src/db/pglite-bridge.js';
import { runCli, startServer, testEnv } from './support/cli.js';

describe('sharing the embedded database between processes', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'cpt-shared-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('takes over the lock of a process that died', async () => {
    writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12345, role: 'cli', command: 'cpt scrape', startedAt: '', socket: null }));
    const result = await runCli(['migrate'], testEnv({ DATA_DIR: dataDir }));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/applied: 20261125T100000000Z-initial/);
    expect(() => readFileSync(join(dataDir, LOCK_FILE))).toThrow(); // released on exit
  });

  it('lets CLI commands use the running server’s database, and refuses a second server', async () => {
    const env = testEnv({ DATA_DIR: dataDir });
    const server = await startServer(env);
    try {
      const lock = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8'));
      expect(lock).toMatchObject({ pid: server.child.pid, role: 'server' });
      expect(lock.socket).toBeTruthy();

      const [migrate, sources] = await Promise.all([runCli(['migrate'], env), runCli(['sources', '--json'], env)]);
      expect(migrate.code).toBe(0);
      expect(migrate.stdout).toMatch(/schema up to date/);
      expect(sources.code).toBe(0);
      expect(JSON.parse(sources.stdout)[0].id).toBe('gov-cn');
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

      const second = await runCli(['serve'], { ...env, PORT: '0' }, 30_000);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/another cpt server \(pid \d+.*\) is already using/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(() => readFileSync(join(dataDir, LOCK_FILE))).toThrow();
  });
});

describe('PGlite socket bridge', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cpt-bridge-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps a client’s open transaction apart from the server’s own queries', async () => {
    const pglite = await createPglite();
    const bridge = await startPgliteBridge(pglite, { path: join(dir, '.s.PGSQL.5432'), idleInTransactionMs: 2_000 });
    const local = new Kysely<any>({ dialect: new PGliteDialect({ pglite }) });
    const client = new pg.Client({ host: dir, port: 5432, user: 'postgres', database: 'postgres' });
    try {
      await sql`create table t (id int primary key, who text)`.execute(local);
      await client.connect();
      await client.query('begin');
      await client.query('insert into t values ($1, $2)', [1, 'client']);
      // the server's insert waits for the client's transaction instead of joining it
      const serverInsert = sql`insert into t values (2, 'server')`.execute(local);
      await new Promise((r) => setTimeout(r, 100));
      await client.query('rollback');
      await serverInsert;
      const rows = await sql<{ id: number; who: string }>`select * from t order by id`.execute(local);
      expect(rows.rows).toEqual([{ id: 2, who: 'server' }]);

      // many parameterised queries from two clients and the server at once stay correct
      const other = new pg.Client({ host: dir, port: 5432, user: 'postgres', database: 'postgres' });
      await other.connect();
      // three connections at once, each sending its queries one after another
      const loop = async (run: (i: number) => Promise<void>) => {
        for (let i = 0; i < 30; i++) await run(i);
      };
      await Promise.all([
        loop(async (i) => expect((await client.query('select $1::int * 2 as v', [i])).rows[0].v).toBe(i * 2)),
        loop(async (i) => expect((await other.query('select $1::text || $2::text as v', ['a', String(i)])).rows[0].v).toBe(`a${i}`)),
        loop(async (i) => expect((await sql<{ v: number }>`select ${i}::int + 1 as v`.execute(local)).rows[0]!.v).toBe(i + 1)),
      ]);
      await other.end();
    } finally {
      await client.end().catch(() => {});
      await bridge.close();
      await local.destroy();
    }
  });

  it('rolls back and releases a client that disconnects or idles inside a transaction', async () => {
    const pglite = await createPglite();
    const bridge = await startPgliteBridge(pglite, { host: '127.0.0.1', port: 0, idleInTransactionMs: 300 });
    const address = bridge.address as { host: string; port: number };
    const local = new Kysely<any>({ dialect: new PGliteDialect({ pglite }) });
    try {
      await sql`create table u (id int)`.execute(local);
      const gone = new pg.Client({ host: address.host, port: address.port, user: 'postgres', database: 'postgres' });
      gone.on('error', () => {});
      await gone.connect();
      await gone.query('begin');
      await gone.query('insert into u values (1)');
      (gone as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();

      const idle = new pg.Client({ host: address.host, port: address.port, user: 'postgres', database: 'postgres' });
      idle.on('error', () => {});
      await idle.connect();
      await idle.query('begin');
      await idle.query('insert into u values (2)');
      // no commit: the bridge gives up on it after 300 ms
      const started = Date.now();
      const rows = await sql<{ n: number }>`select count(*)::int as n from u`.execute(local);
      expect(rows.rows[0]!.n).toBe(0);
      expect(Date.now() - started).toBeLessThan(5_000);
      await idle.end().catch(() => {});
    } finally {
      await bridge.close();
      await local.destroy();
    }
  });
});
