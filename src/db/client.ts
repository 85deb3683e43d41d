/**
 * Opens the notice store: PostgreSQL through `pg` when a URL is given, otherwise the embedded
 * PGlite database in the data directory — opened here, or, when another cpt process already
 * has it open, reached through that process's socket.
 * @module
 */
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import { pg } from './pg-types.js';
import { DataDirBusyError, type HeldLock, isHeldLock, type LockInfo, readLock, tryAcquireLock } from './data-dir-lock.js';
import { type PgliteBridge, startPgliteBridge } from './pglite-bridge.js';
import { hasCluster, loadTemplate } from './pglite-template.js';
import type { Database } from './schema.js';

export type DatabaseKind = 'postgres' | 'pglite';

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: DatabaseKind;
  /** How this process reaches the data: its own server URL, the embedded files, or another process. */
  mode: 'postgres' | 'embedded' | 'shared';
  /** The PGlite instance when this process owns the embedded database. */
  pglite?: PGlite;
  close(): Promise<void>;
}

export interface OpenOptions {
  databaseUrl?: string | undefined;
  dataDir?: string;
  /** `memory` opens a throw-away in-memory PGlite (tests, benchmarks). */
  memory?: boolean;
  /** For `memory`: start from this dump (`PGlite.dumpDataDir`) instead of an empty cluster. */
  memoryFrom?: Blob;
  role?: LockInfo['role'];
  command?: string;
  /** Let other processes connect to this process's embedded database (the server does). */
  share?: boolean;
  /** How long to wait for another process that holds the data directory without sharing it. */
  waitMs?: number;
  /** Pool size for PostgreSQL. */
  poolSize?: number;
}

/** Opens a `pg` pool as a Kysely instance. */
export function postgresKysely(connection: pg.PoolConfig, poolSize = 10): Kysely<Database> {
  const pool = new pg.Pool({ max: poolSize, ...connection });
  // An idle pooled connection that the server drops must not crash the process.
  pool.on('error', () => {});
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * Creates a PGlite instance with the parsers the store needs. A new cluster starts from the saved
 * template (see `pglite-template.ts`) when there is one, or from an explicit dump.
 */
export async function createPglite(dataDir?: string, from?: Blob): Promise<PGlite> {
  const seed = from ?? (dataDir && hasCluster(dataDir) ? undefined : loadTemplate());
  return PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    ...(seed ? { loadDataDir: seed } : {}),
    parsers: {
      [pgliteTypes.DATE]: (v: string) => v,
      [pgliteTypes.INT8]: (v: string) => Number(v),
    },
  });
}

function socketConnection(socket: NonNullable<LockInfo['socket']>): pg.PoolConfig {
  if ('path' in socket) {
    // pg reaches a Unix socket as host=<directory>, port=<suffix of .s.PGSQL.<port>>.
    const match = /^(.*)\/\.s\.PGSQL\.(\d+)$/.exec(socket.path);
    if (!match) throw new Error(`unexpected socket path ${socket.path}`);
    return { host: match[1], port: Number(match[2]), user: 'postgres', database: 'postgres' };
  }
  return { host: socket.host, port: socket.port, user: 'postgres', database: 'postgres' };
}

async function canConnect(config: pg.PoolConfig): Promise<boolean> {
  const client = new pg.Client({ ...config, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Kysely closes PGlite only if it ever ran a query; close it in every case. */
async function closeKyselyAndPglite(db: Kysely<Database>, pglite: PGlite): Promise<void> {
  await db.destroy();
  if (!pglite.closed) await pglite.close();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Opens the database.
 * @throws {DataDirBusyError} when another process holds the data directory longer than `waitMs`.
 */
export async function openDatabase(options: OpenOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    const db = postgresKysely({ connectionString: options.databaseUrl }, options.poolSize);
    return { db, kind: 'postgres', mode: 'postgres', close: () => db.destroy() };
  }
  if (options.memory) {
    const pglite = await createPglite(undefined, options.memoryFrom);
    const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
    return { db, kind: 'pglite', mode: 'embedded', pglite, close: () => closeKyselyAndPglite(db, pglite) };
  }
  const dataDir = resolve(options.dataDir ?? './data');
  const role = options.role ?? 'cli';
  const deadline = Date.now() + (options.waitMs ?? 30_000);
  let announced = false;
  for (;;) {
    const lock = tryAcquireLock(dataDir, role, options.command ?? role);
    if (isHeldLock(lock)) return openOwned(dataDir, lock, options.share ?? role === 'server');
    if (lock.role === 'server' && role === 'server' && lock.pid > 0) {
      throw new DataDirBusyError(
        `another cpt server (pid ${lock.pid}, started ${lock.startedAt}) is already using ${dataDir}; stop it or set DATA_DIR to another directory`,
      );
    }
    if (lock.socket && role === 'cli') {
      const connection = socketConnection(lock.socket);
      if (await canConnect(connection)) {
        const db = postgresKysely(connection, 1);
        return { db, kind: 'pglite', mode: 'shared', close: () => db.destroy() };
      }
    }
    if (Date.now() > deadline) {
      throw new DataDirBusyError(
        `${dataDir} is in use by \`${lock.command}\` (pid ${lock.pid}); wait for it to finish, or run \`npm start\` so commands share the database`,
      );
    }
    if (!announced && lock.pid > 0) {
      announced = true;
      process.stderr.write(`waiting for \`${lock.command}\` (pid ${lock.pid}) to release ${dataDir} …\n`);
    }
    await sleep(200);
  }
}

async function openOwned(
  dataDir: string,
  lock: HeldLock,
  share: boolean,
): Promise<DatabaseHandle> {
  let pglite: PGlite;
  try {
    pglite = await createPglite(join(dataDir, 'pgdata'));
  } catch (error) {
    lock.release();
    throw error;
  }
  let bridge: PgliteBridge | undefined;
  if (share) {
    // Unix socket paths are limited to ~107 bytes; fall back to loopback TCP for deep directories.
    const path = join(dataDir, '.s.PGSQL.5432');
    if (existsSync(path)) rmSync(path, { force: true });
    bridge = await startPgliteBridge(pglite, path.length < 100 ? { path } : { host: '127.0.0.1', port: 0 });
    lock.publishSocket(bridge.address);
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  return {
    db,
    kind: 'pglite',
    mode: 'embedded',
    pglite,
    close: async () => {
      await bridge?.close();
      await closeKyselyAndPglite(db, pglite);
      lock.release();
    },
  };
}

export { DataDirBusyError, readLock };
