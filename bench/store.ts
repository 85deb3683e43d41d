/**
 * Benchmark stores: a throw-away in-memory PGlite, or a fresh PostgreSQL database created on the
 * server of `BENCH_DATABASE_URL` / `TEST_DATABASE_URL` and dropped on close.
 * @module
 */
import type { Kysely } from 'kysely';
import pg from 'pg';
import { SOURCES } from '../scrapers/index.js';
import { openDatabase, postgresKysely } from '../src/db/client.js';
import { prepareStore } from '../src/db/prepare-store.js';
import type { Database } from '../src/db/schema.js';

export type StoreKind = 'pglite' | 'postgres';

export interface Store {
  kind: StoreKind;
  db: Kysely<Database>;
  close(): Promise<void>;
}

/** The PostgreSQL server benchmarks may create databases on, or null. */
export const BENCH_PG_URL = process.env.BENCH_DATABASE_URL?.trim() || process.env.TEST_DATABASE_URL?.trim() || null;

export async function openStore(kind: StoreKind): Promise<Store> {
  if (kind === 'pglite') {
    const handle = await openDatabase({ memory: true });
    await prepareStore(handle.db, SOURCES);
    return { kind, db: handle.db, close: () => handle.close() };
  }
  if (!BENCH_PG_URL) throw new Error('PostgreSQL benchmarks need BENCH_DATABASE_URL or TEST_DATABASE_URL');
  // a generated identifier (pid and time), never user input: safe to put in the statement text
  const name = `cpt_bench_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: BENCH_PG_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(BENCH_PG_URL);
  url.pathname = `/${name}`;
  const db = postgresKysely({ connectionString: url.toString() }, 10);
  await prepareStore(db, SOURCES);
  return {
    kind,
    db,
    close: async () => {
      await db.destroy();
      // BENCH_KEEP=1 keeps the loaded database for a look at its plans afterwards
      if (process.env.BENCH_KEEP === '1') return console.log(`kept database ${name}`);
      const c = new pg.Client({ connectionString: BENCH_PG_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
