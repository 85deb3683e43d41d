/**
 * The store on Workers: one Kysely instance per isolate (so the app and its routes are built once),
 * whose connections come from a `pg` pool that belongs to the current invocation. A Worker may not
 * use a socket opened by another request, and Hyperdrive already pools connections at the edge, so
 * each request or cron invocation opens its own small pool through `env.HYPERDRIVE` and closes it
 * when it is done (`ctx.waitUntil`). AsyncLocalStorage carries the invocation's pool to Kysely.
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Kysely, type PostgresPool, PostgresDialect } from 'kysely';
import { pg } from '../db/pg-types.js';
import type { Database } from '../db/schema.js';

/** What one invocation owns: its pool. */
interface Invocation {
  pool: pg.Pool;
}

const invocations = new AsyncLocalStorage<Invocation>();

export class NoInvocationError extends Error {
  override name = 'NoInvocationError';
  constructor() {
    super('a database query ran outside withDatabase(): on Workers every query belongs to a request or cron invocation');
  }
}

/** Hands Kysely the current invocation's pool; ending it is the invocation's business. */
const invocationPool: PostgresPool = {
  options: {},
  connect() {
    const current = invocations.getStore();
    if (!current) return Promise.reject(new NoInvocationError());
    return current.pool.connect();
  },
  end: async () => {},
};

/** The isolate's Kysely instance; queries need a surrounding `withDatabase`. */
export const workerDb: Kysely<Database> = new Kysely<Database>({ dialect: new PostgresDialect({ pool: invocationPool }) });

export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * Runs `work` with a pool of its own on `connectionString` (Hyperdrive's), and closes the pool once
 * the work has settled — in the background through `ctx.waitUntil`, so the answer is not delayed.
 * A response whose body is still being written (the CSV and NDJSON exports read page by page as
 * the client takes them) keeps the pool until its last byte.
 * @param poolSize connections at once (Workers allow six open sockets per invocation)
 */
export async function withDatabase<T>(connectionString: string, ctx: WaitUntil, work: () => Promise<T>, poolSize = 4): Promise<T> {
  const pool = new pg.Pool({ connectionString, max: poolSize, connectionTimeoutMillis: 10_000 });
  // a connection that Hyperdrive drops while idle must not fail the invocation
  pool.on('error', () => {});
  let finished: Promise<unknown> = Promise.resolve();
  try {
    const result = await invocations.run({ pool }, work);
    if (result instanceof Response && result.body) {
      const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
      // piped within the invocation, so the body's page reads find its pool
      finished = invocations.run({ pool }, () => result.body!.pipeTo(writable)).catch(() => {});
      return new Response(readable, result) as T;
    }
    return result;
  } finally {
    ctx.waitUntil(finished.then(() => pool.end()).catch(() => {}));
  }
}
