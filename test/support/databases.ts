/**
 * Real databases for tests: an in-memory PGlite started from the migrated test store, and — when
 * `TEST_DATABASE_URL` is set — a fresh database on a real PostgreSQL server, dropped afterwards.
 * Suites run once per available kind; without the URL the PostgreSQL suites report themselves
 * as not run, with the reason.
 */
import { readFileSync } from 'node:fs';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { describe, inject } from 'vitest';
import { SOURCES } from '../../scrapers/index.js';
import { openDatabase, postgresKysely } from '../../src/db/client.js';
import { prepareStore } from '../../src/db/prepare-store.js';
import type { Database } from '../../src/db/schema.js';

export type DatabaseKind = 'pglite' | 'postgres';

export interface TestDatabase {
  kind: DatabaseKind;
  db: Kysely<Database>;
  /** Connection URL (PostgreSQL only), for subprocesses. */
  url: string | null;
  close(): Promise<void>;
}

export const POSTGRES_URL = process.env.TEST_DATABASE_URL?.trim() || null;
export const POSTGRES_SKIP_REASON = 'not run: TEST_DATABASE_URL is not set (CI sets it)';

let storeDump: Blob | undefined;

async function createPglite(): Promise<TestDatabase> {
  storeDump ??= new Blob([readFileSync(inject('testStorePath'))]);
  const handle = await openDatabase({ memory: true, memoryFrom: storeDump });
  await prepareStore(handle.db, SOURCES);
  return { kind: 'pglite', db: handle.db, url: null, close: () => handle.close() };
}

/** Creates an empty database on the PostgreSQL server and returns its URL. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!POSTGRES_URL) throw new Error(POSTGRES_SKIP_REASON);
  const name = `cpt_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

async function createPostgres(): Promise<TestDatabase> {
  const { url, drop } = await createPostgresDatabase();
  const db = postgresKysely({ connectionString: url }, 5);
  await prepareStore(db, SOURCES);
  return {
    kind: 'postgres',
    db,
    url,
    close: async () => {
      await db.destroy();
      await drop();
    },
  };
}

export function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  return kind === 'pglite' ? createPglite() : createPostgres();
}

/**
 * Defines `fn` once per database kind. On PostgreSQL without `TEST_DATABASE_URL`, the suite is
 * skipped and its name says why.
 */
export function describeEachDatabase(name: string, fn: (kind: DatabaseKind) => void): void {
  describe(`${name} [pglite]`, () => fn('pglite'));
  if (POSTGRES_URL) describe(`${name} [postgres]`, () => fn('postgres'));
  else describe.skip(`${name} [postgres] (${POSTGRES_SKIP_REASON})`, () => fn('postgres'));
}
