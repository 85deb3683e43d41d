/**
 * Serves an in-process PGlite database to other processes over the PostgreSQL wire protocol,
 * so CLI commands can use the running server's embedded database through `pg`.
 *
 * Why not `@electric-sql/pglite-socket`: it runs each protocol message separately, so between
 * another client's Parse and Bind (or BEGIN and COMMIT) the server's own queries could run in
 * that client's session. PGlite has one session; here a client holds PGlite's exclusive lock
 * from the first message of an exchange until the backend is idle again (after Sync or a simple
 * Query, outside a transaction block). The server's in-process queries take the same lock
 * (`PGlite.query`/`transaction` use `runExclusive`), so nothing interleaves. A client that
 * disconnects or stays idle inside a transaction is rolled back and its lock released.
 * @module
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

export interface PgliteBridgeOptions {
  /** Unix socket path, or undefined for TCP on `host:port`. */
  path?: string;
  host?: string;
  port?: number;
  /** A client idle this long while holding the database inside a transaction is rolled back. */
  idleInTransactionMs?: number;
  maxConnections?: number;
}

export interface PgliteBridge {
  /** `{ path }` for a Unix socket, `{ host, port }` for TCP. */
  address: { path: string } | { host: string; port: number };
  close(): Promise<void>;
}

/** A simple-query message, built here so it can run while this bridge already holds the lock. */
function queryMessage(sql: string): Uint8Array {
  const text = Buffer.from(`${sql}\0`, 'utf8');
  const msg = Buffer.alloc(5 + text.length);
  msg.write('Q', 0, 'latin1');
  msg.writeInt32BE(4 + text.length, 1);
  text.copy(msg, 5);
  return msg;
}

const SYNC_MESSAGE = Uint8Array.from([0x53, 0, 0, 0, 4]);

class BridgeSession {
  #buffer: Buffer = Buffer.alloc(0);
  #started = false;
  #unit: Buffer[] = [];
  #release: (() => void) | null = null;
  #awaitingSync = false;
  #chain: Promise<void> = Promise.resolve();
  #idleTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    private readonly db: PGlite,
    private readonly socket: Socket,
    private readonly idleInTransactionMs: number,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.#enqueue(() => this.#onData(chunk)));
    socket.on('close', () => this.#enqueue(() => this.#onClose()));
    socket.on('error', () => socket.destroy());
  }

  #enqueue(step: () => Promise<void>): void {
    this.#chain = this.#chain.then(step).catch(() => {
      this.socket.destroy();
    });
  }

  async #onData(chunk: Buffer): Promise<void> {
    if (this.#closed) return;
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    while (!this.#closed) {
      if (!this.#started) {
        if (this.#buffer.length < 8) return;
        const length = this.#buffer.readInt32BE(0);
        if (this.#buffer.length < length) return;
        const code = this.#buffer.readInt32BE(4);
        const message = this.#buffer.subarray(0, length);
        this.#buffer = this.#buffer.subarray(length);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          this.socket.write('N'); // no TLS over a local socket
          continue;
        }
        if (code === CANCEL_REQUEST) {
          this.socket.end();
          return;
        }
        this.#started = true;
        await this.#run([message]);
        continue;
      }
      if (this.#buffer.length < 5) return;
      const length = this.#buffer.readInt32BE(1);
      if (this.#buffer.length < length + 1) return;
      const type = String.fromCharCode(this.#buffer[0]!);
      const message = this.#buffer.subarray(0, length + 1);
      this.#buffer = this.#buffer.subarray(length + 1);
      if (type === 'X') {
        await this.#onClose();
        this.socket.end();
        return;
      }
      this.#unit.push(Buffer.from(message));
      // Sync and Query end an exchange; Flush asks for the output so far without ending it.
      if (type === 'S' || type === 'Q' || type === 'H') {
        const unit = this.#unit;
        this.#unit = [];
        this.#awaitingSync = type === 'H';
        await this.#run(unit);
      }
    }
  }

  async #run(messages: Buffer[]): Promise<void> {
    clearTimeout(this.#idleTimer);
    await this.#acquire();
    for (const message of messages) {
      await this.db.execProtocolRawStream(message, {
        onRawData: (data) => {
          if (!this.socket.destroyed) this.socket.write(Buffer.from(data));
        },
      });
    }
    if (!this.#awaitingSync && !this.db.isInTransaction()) {
      this.#releaseLock();
    } else {
      this.#idleTimer = setTimeout(() => this.#enqueue(() => this.#abandon()), this.idleInTransactionMs);
    }
  }

  /** Holds PGlite's exclusive lock until `#releaseLock()`; re-entrant for this session. */
  async #acquire(): Promise<void> {
    if (this.#release) return;
    await new Promise<void>((granted) => {
      void this.db.runExclusive(
        () =>
          new Promise<void>((done) => {
            this.#release = done;
            granted();
          }),
      );
    });
  }

  #releaseLock(): void {
    const release = this.#release;
    this.#release = null;
    release?.();
  }

  /** Rolls back whatever this client left open, then lets others use the database. */
  async #resetSession(): Promise<void> {
    if (!this.#release) return;
    const discard = { onRawData: () => {} };
    if (this.#awaitingSync) await this.db.execProtocolRawStream(SYNC_MESSAGE, discard);
    if (this.db.isInTransaction()) await this.db.execProtocolRawStream(queryMessage('ROLLBACK'), discard);
    this.#awaitingSync = false;
    this.#releaseLock();
  }

  async #abandon(): Promise<void> {
    if (this.#closed || !this.#release) return;
    await this.#resetSession();
    this.socket.destroy();
  }

  async #onClose(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    await this.#resetSession();
  }
}

/**
 * Starts serving `db` on a Unix socket (`path`) or loopback TCP.
 * @example const bridge = await startPgliteBridge(pglite, { path: `${dataDir}/.s.PGSQL.5432` });
 */
export async function startPgliteBridge(db: PGlite, options: PgliteBridgeOptions): Promise<PgliteBridge> {
  const idle = options.idleInTransactionMs ?? 60_000;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    new BridgeSession(db, socket, idle);
  });
  server.maxConnections = options.maxConnections ?? 32;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (options.path) server.listen(options.path, resolve);
    else server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const addr = server.address();
  const address =
    options.path !== undefined
      ? { path: options.path }
      : { host: options.host ?? '127.0.0.1', port: typeof addr === 'object' && addr ? addr.port : 0 };
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
