/**
 * A local HTTP server on 127.0.0.1 that serves saved pages laid out by URL path
 * (`<root>/<path>`, or `<root>/<path>@<query>` for one query string), as the live site would:
 * 404 for missing files, content types by extension (HTML without a charset parameter, so pages
 * declare their own; `.jsp` answers as XML), ETag/Last-Modified with 304s. Any method is answered.
 * Tests add faults per path (status sequences, delays, custom bodies) and read the request log.
 * @module
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

export interface Fault {
  /** Statuses to answer before serving the file normally (e.g. [429, 503]). */
  statuses?: number[];
  headers?: Record<string, string>;
  /** Delay before answering, in ms (every request to the path). */
  delayMs?: number;
  /** Answer with this body and status instead of the file. */
  body?: string | Buffer;
  status?: number;
  contentType?: string;
}

export interface MirrorServer {
  origin: string;
  requests: Array<{ method: string; path: string; headers: IncomingMessage['headers'] }>;
  faults: Map<string, Fault>;
  /** Delay for every path matching `pattern` (slow detail pages for crash tests). */
  slow: { pattern: RegExp | null; ms: number };
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.htm': 'text/html',
  '.html': 'text/html',
  '.json': 'application/json',
  '.txt': 'text/plain',
  '.xml': 'text/xml',
  '.jsp': 'text/xml',
  '.shtml': 'text/html',
  '.pdf': 'application/pdf',
};

/** A path without a known extension (an API like `…/build/unit`) answers as what its bytes look like. */
function sniffType(bytes: Buffer): string {
  const head = bytes.subarray(0, 64).toString('utf8').trimStart();
  if (head.startsWith('{') || head.startsWith('[')) return 'application/json;charset=UTF-8';
  if (head.startsWith('<')) return 'text/html';
  if (bytes.includes(0)) return 'application/octet-stream';
  return 'text/plain';
}

/**
 * The saved file that answers a URL: `<root>/<path>` (`…/` is `…/index.html`); a saved answer for
 * one query string sits beside it as `<file>@<query>`
 * (`dataproxy.jsp@startrecord=46&endrecord=90&perpage=15`), else the file itself answers.
 */
export function mirrorFile(root: string, url: string | URL): string {
  const u = typeof url === 'string' ? new URL(url) : url;
  const path = decodeURIComponent(u.pathname);
  const base = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
  const query = u.search.slice(1);
  return query && existsSync(`${base}@${query}`) ? `${base}@${query}` : base;
}

export async function startMirrorServer(root: string): Promise<MirrorServer> {
  const requests: MirrorServer['requests'] = [];
  const faults = new Map<string, Fault>();
  // per fault object, so a test that sets a new fault starts its status sequence from the start
  const counters = new WeakMap<Fault, number>();

  const slow: MirrorServer['slow'] = { pattern: null, ms: 0 };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push({ method: req.method ?? 'GET', path, headers: req.headers });
    if (slow.pattern?.test(path)) await new Promise((r) => setTimeout(r, slow.ms));
    const fault = faults.get(path);
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault?.statuses) {
      const n = counters.get(fault) ?? 0;
      counters.set(fault, n + 1);
      const status = fault.statuses[n];
      if (status !== undefined) {
        res.writeHead(status, { 'content-type': 'text/html', ...fault.headers });
        res.end(`<html><body>status ${status}</body></html>`);
        return;
      }
    }
    if (fault?.body !== undefined) {
      res.writeHead(fault.status ?? 200, { 'content-type': fault.contentType ?? 'text/html', ...fault.headers });
      res.end(fault.body);
      return;
    }
    const file = mirrorFile(root, new URL(req.url ?? '/', 'http://x'));
    if (!file.startsWith(normalize(root)) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html><head><title>404</title></head><body>404 Not Found</body></html>');
      return;
    }
    const bytes = readFileSync(file);
    const etag = `"${createHash('sha1').update(bytes).digest('hex').slice(0, 16)}"`;
    const lastModified = statSync(file).mtime.toUTCString();
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag, 'last-modified': lastModified });
      res.end();
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file.replace(/@[^/]*$/, '')).toLowerCase()] ?? sniffType(bytes),
      'content-length': bytes.length,
      etag,
      'last-modified': lastModified,
    });
    res.end(bytes);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    faults,
    slow,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
