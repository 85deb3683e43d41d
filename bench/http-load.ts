/**
 * HTTP load against the real app on loopback: the app served in this process with
 * `@hono/node-server`, autocannon in a worker thread (so the load generator has its own event loop,
 * though it shares the machine's 2 cores with the server and the database), and the server's
 * resident memory sampled every 50 ms.
 * @module
 */
import { serve, type ServerType } from '@hono/node-server';
import autocannon from 'autocannon';
import type { Kysely } from 'kysely';
import { SOURCES } from '../scrapers/index.js';
import { type AppDeps, createApp } from '../src/api/app.js';
import { apiKeyAuthenticator } from '../src/api/api-keys.js';
import type { Database } from '../src/db/schema.js';
import { loadIssuerDirectory } from '../src/issuers/issuer.repository.js';

/** Resident set size of this process (server, PGlite's WASM heap when used, and the client). */
export class RssSampler {
  private timer: NodeJS.Timeout | null = null;
  peak = 0;
  windowPeak = 0;

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), 50);
  }

  private sample(): number {
    const rss = process.memoryUsage().rss;
    if (rss > this.peak) this.peak = rss;
    if (rss > this.windowPeak) this.windowPeak = rss;
    return rss;
  }

  /** Starts a new window; @returns the current RSS. */
  openWindow(): number {
    this.windowPeak = 0;
    return this.sample();
  }

  now(): number {
    return this.sample();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

export interface BenchServer {
  base: string;
  rss: RssSampler;
  close(): Promise<void>;
}

/** The app as `bench/run.ts` builds it (no API keys, no scrapes), with the API rate limit off. */
export async function startBenchServer(db: Kysely<Database>): Promise<BenchServer> {
  const directory = await loadIssuerDirectory(db);
  const deps: AppDeps = {
    db,
    sources: SOURCES,
    directory: () => directory,
    authenticate: apiKeyAuthenticator(db, []),
    // public reads and no rate limit for the run (0 = no limit)
    access: { readAuth: false, rateLimitPerMinute: 0, trustProxy: false },
    scrapes: null,
    version: 'bench',
  };
  const app = createApp(deps);
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const rss = new RssSampler();
  rss.start();
  const port = (server.address() as { port: number }).port;
  return {
    base: `http://127.0.0.1:${port}`,
    rss,
    close: async () => {
      rss.stop();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export interface ScenarioResult {
  name: string;
  path: string;
  /** False when the endpoint answered the warm-up with 404 (or 400 for an unknown parameter). */
  available: boolean;
  warmStatus: number;
  p50: number;
  p99: number;
  rps: number;
  requests: number;
  non2xx: number;
  errors: number;
}

/**
 * One scenario: a warm-up request (its status decides availability), then autocannon with 10
 * connections for `duration` seconds.
 * @param optional a 404 (or 400) at warm-up means "not available" rather than a failure
 */
export async function runScenario(base: string, name: string, path: string, duration: number, optional = false): Promise<ScenarioResult> {
  const warm = await fetch(base + path);
  await warm.arrayBuffer();
  const empty = { p50: NaN, p99: NaN, rps: NaN, requests: 0, non2xx: 0, errors: 0 };
  if (optional && (warm.status === 404 || warm.status === 400)) return { name, path, available: false, warmStatus: warm.status, ...empty };
  const result = await autocannon({ url: base + path, connections: 10, duration, workers: 1 });
  return {
    name,
    path,
    available: true,
    warmStatus: warm.status,
    p50: result.latency.p50,
    p99: result.latency.p99,
    rps: result.requests.average,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

export interface ExportResult {
  path: string;
  available: boolean;
  status: number;
  /** Time to the first and the last byte, ms. */
  firstByteMs: number;
  lastByteMs: number;
  bytes: number;
  /** Data rows (CSV records after the header). */
  rows: number;
  rssBefore: number;
  rssPeak: number;
  rssAfter: number;
}

/** Downloads a whole export once, counting bytes and CSV records (newlines outside quotes). */
export async function measureExport(server: BenchServer, path: string): Promise<ExportResult> {
  const rssBefore = server.rss.openWindow();
  const t = performance.now();
  const response = await fetch(server.base + path);
  const firstByteMs = performance.now() - t;
  const empty = { firstByteMs, lastByteMs: NaN, bytes: 0, rows: 0, rssBefore, rssPeak: server.rss.windowPeak, rssAfter: server.rss.now() };
  if (response.status === 404 || response.status === 400) {
    await response.arrayBuffer();
    return { path, available: false, status: response.status, ...empty };
  }
  let bytes = 0;
  let records = 0;
  let quoted = false;
  let pendingRecord = false;
  // Records end where the header ends: with CRLF when the header does (then a bare LF is part of a
  // field, quoted or not), otherwise with LF.
  let crlf: boolean | null = null;
  let previous = 0;
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    for (let i = 0; i < value.length; i++) {
      const b = value[i]!;
      if (b === 0x22) quoted = !quoted; // a doubled "" toggles twice
      else if (b === 0x0a && !quoted) {
        crlf ??= previous === 0x0d;
        if (!crlf || previous === 0x0d) {
          records++;
          pendingRecord = false;
        }
      } else if (b !== 0x0d) pendingRecord = true;
      previous = b;
    }
  }
  const lastByteMs = performance.now() - t;
  if (pendingRecord) records++;
  const rssAfter = server.rss.now();
  return {
    path,
    available: true,
    status: response.status,
    firstByteMs,
    lastByteMs,
    bytes,
    rows: Math.max(0, records - 1),
    rssBefore,
    rssPeak: server.rss.windowPeak,
    rssAfter,
  };
}
