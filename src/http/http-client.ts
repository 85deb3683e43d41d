/**
 * The one HTTP client every scraper uses: host mapping (`CPT_HOST_MAP`), per-host rate limits,
 * robots.txt (RFC 9309), retries with backoff on 429 (honouring `Retry-After`), 5xx, timeouts and
 * network errors, a size limit, content-type checks, charset decoding, manual redirects with loop
 * detection, and conditional GET. Built on `fetch`, so it runs on Node and on Workers.
 * @module
 */
import pRetry, { AbortError } from 'p-retry';
import robotsParserModule from 'robots-parser';
import { decodeBody } from './charset.js';
import { FetchError, parseRetryAfter } from './fetch-error.js';
import { HostRateLimiter, sleep } from './rate-limiter.js';

export interface HttpClientOptions {
  userAgent: string;
  /** host → origin to send its requests to; stored URLs keep the canonical host. */
  hostMap: Map<string, URL>;
  rateLimits: Map<string, number>;
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  maxBytes: number;
  robots: boolean;
  /**
   * How long a host that answers 403 is paused before one more try. gov.cn bans an IP for minutes
   * after a burst (~10 req/s) with 403s; a page that stays 403 is reported, not retried forever.
   */
  banPauseMs?: number;
  /** Injected for tests and Workers; defaults to the global `fetch`. */
  fetch?: typeof fetch;
}

export interface PageRequest {
  /** Canonical URL (`https://www.gov.cn/...`), whatever host it is actually fetched from. */
  url: string;
  method?: 'GET' | 'POST';
  body?: string;
  contentType?: string;
  /** Extra headers (a site's expected `Referer`); they never replace the User-Agent. */
  headers?: Record<string, string>;
  expect: 'html' | 'json' | 'text';
  /** Validators from the last fetch, for a conditional GET. */
  etag?: string | null;
  lastModified?: string | null;
  signal?: AbortSignal;
}

export interface FetchedPage {
  /** Canonical URL requested. */
  url: string;
  /** Canonical URL after redirects. */
  finalUrl: string;
  status: number;
  /** True for `304 Not Modified`: `bytes` and `text` are empty, the stored copy is current. */
  notModified: boolean;
  contentType: string | null;
  charset: string;
  /** Set when the page declared a wrong charset (decoded with another). */
  charsetNote: string | null;
  etag: string | null;
  lastModified: string | null;
  bytes: Uint8Array;
  text: string;
}

interface RobotsRules {
  isAllowed(url: string, ua?: string): boolean | undefined;
}
// robots-parser is CommonJS; its typings describe the default export loosely.
const robotsParser = robotsParserModule as unknown as (url: string, contents: string) => RobotsRules;

const MAX_REDIRECTS = 5;
const ROBOTS_TTL_MS = 24 * 3600_000;
const BINARY_TYPES = /^(image|audio|video|font)\/|^application\/(pdf|zip|x-rar|octet-stream|msword|vnd\.|x-msdownload|gzip)/i;
/** Answers of anti-bot systems the sources use: 瑞数 (412) and 加速乐 (521). */
const CHALLENGE_STATUSES = new Set([412, 521]);

interface RobotsEntry {
  fetchedAt: number;
  allows: (url: string) => boolean;
  reason: string;
}

export class HttpClient {
  readonly #limiter: HostRateLimiter;
  readonly #robots = new Map<string, Promise<RobotsEntry>>();
  readonly #fetch: typeof fetch;

  constructor(readonly options: HttpClientOptions) {
    this.#limiter = new HostRateLimiter(options.rateLimits);
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** The URL a request for `canonical` is actually sent to. */
  actualUrl(canonical: string): string {
    const url = new URL(canonical);
    const origin = this.options.hostMap.get(url.host.toLowerCase());
    if (!origin) return url.toString();
    const base = origin.pathname.replace(/\/$/, '');
    return `${origin.origin}${base}${url.pathname}${url.search}`;
  }

  /** Maps a URL on a mirror back to the canonical host it stands for. */
  canonicalUrl(actual: string): string {
    const url = new URL(actual);
    for (const [host, origin] of this.options.hostMap) {
      if (url.origin === origin.origin) {
        const base = origin.pathname.replace(/\/$/, '');
        const path = base && url.pathname.startsWith(base) ? url.pathname.slice(base.length) : url.pathname;
        return `https://${host}${path}${url.search}`;
      }
    }
    return url.toString();
  }

  /**
   * Fetches a page with politeness and retries.
   * @throws {FetchError} saying what failed and where.
   */
  async fetchPage(request: PageRequest): Promise<FetchedPage> {
    if (this.options.robots) await this.assertAllowed(request.url, request.signal);
    return pRetry(
      async () => {
        try {
          return await this.#fetchOnce(request);
        } catch (error) {
          if (error instanceof FetchError && !error.retryable) throw new AbortError(error);
          throw error;
        }
      },
      {
        retries: this.options.retries,
        factor: 2,
        minTimeout: this.options.backoffMs,
        maxTimeout: Math.max(this.options.backoffMs, 60_000),
        randomize: true,
        ...(request.signal ? { signal: request.signal } : {}),
        onFailedAttempt: async ({ error }) => {
          // 429/503 with Retry-After, or a 403 burst ban: hold the whole host, not just this request.
          if (error instanceof FetchError && error.retryAfterMs !== null) {
            const host = new URL(request.url).host;
            const wait = Math.min(error.retryAfterMs, 10 * 60_000);
            this.#limiter.pause(host, wait);
          }
        },
        // a 403 gets one more try after the host's pause; a page that is simply forbidden stays so
        shouldRetry: ({ error, attemptNumber }) => !(error instanceof FetchError && error.status === 403 && attemptNumber > 1),
      },
    );
  }

  async #fetchOnce(request: PageRequest): Promise<FetchedPage> {
    const visited = new Set<string>();
    let current = request.url;
    let method = request.method ?? 'GET';
    let body = request.body;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      visited.add(current);
      const host = new URL(current).host;
      await this.#limiter.acquire(host, request.signal);
      const response = await this.#send(current, method, body, request);
      if (response.status >= 300 && response.status < 400 && response.status !== 304) {
        const location = response.headers.get('location');
        await response.body?.cancel();
        if (!location) throw new FetchError('redirect', current, `HTTP ${response.status} without a Location header`, response.status);
        const next = this.canonicalUrl(new URL(location, this.actualUrl(current)).toString());
        if (visited.has(next)) throw new FetchError('redirect', request.url, `redirect loop: ${[...visited, next].join(' → ')}`, response.status);
        current = next;
        if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      return this.#readResponse(request, current, response);
    }
    throw new FetchError('redirect', request.url, `more than ${MAX_REDIRECTS} redirects (last: ${current})`);
  }

  async #send(url: string, method: string, body: string | undefined, request: PageRequest): Promise<Response> {
    const headers: Record<string, string> = {
      ...request.headers,
      'user-agent': this.options.userAgent,
      accept:
        request.expect === 'json'
          ? 'application/json, text/plain;q=0.8, */*;q=0.5'
          : 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.5',
      'accept-language': 'zh-CN,zh;q=0.9',
    };
    if (request.etag) headers['if-none-match'] = request.etag;
    if (request.lastModified) headers['if-modified-since'] = request.lastModified;
    if (body !== undefined) headers['content-type'] = request.contentType ?? 'application/x-www-form-urlencoded; charset=UTF-8';
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    try {
      return await this.#fetch(this.actualUrl(url), { method, headers, body: body ?? null, redirect: 'manual', signal });
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason;
      if (timeout.aborted) throw new FetchError('timeout', url, `no response within ${this.options.timeoutMs} ms`);
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new FetchError('network', url, `network error: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
    }
  }

  async #readResponse(request: PageRequest, finalUrl: string, response: Response): Promise<FetchedPage> {
    const url = request.url;
    const contentType = response.headers.get('content-type');
    const base = {
      url,
      finalUrl,
      status: response.status,
      contentType,
      etag: response.headers.get('etag'),
      lastModified: response.headers.get('last-modified'),
    };
    if (response.status === 304) {
      await response.body?.cancel();
      return { ...base, notModified: true, charset: 'utf-8', charsetNote: null, bytes: new Uint8Array(), text: '' };
    }
    if (CHALLENGE_STATUSES.has(response.status)) {
      await response.body?.cancel();
      throw new FetchError('challenge', url, `anti-bot challenge (HTTP ${response.status})`, response.status);
    }
    if (response.status === 403) {
      await response.body?.cancel();
      const pause = parseRetryAfter(response.headers.get('retry-after')) ?? this.options.banPauseMs ?? 60_000;
      throw new FetchError('http', url, `HTTP 403 Forbidden (the host may be banning bursts; paused ${Math.round(pause / 1000)} s)`, 403, pause);
    }
    if (!response.ok) {
      await response.body?.cancel();
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
      throw new FetchError('http', url, `HTTP ${response.status} ${response.statusText}`.trim(), response.status, retryAfter);
    }
    if (contentType && BINARY_TYPES.test(contentType)) {
      await response.body?.cancel();
      throw new FetchError('content_type', url, `expected ${request.expect}, got content type ${contentType}`, response.status);
    }
    const bytes = await this.#readLimited(url, response);
    const decoded = decodeBody(bytes, contentType, request.expect === 'html');
    return { ...base, notModified: false, charset: decoded.charset, charsetNote: decoded.note, bytes, text: decoded.text };
  }

  async #readLimited(url: string, response: Response): Promise<Uint8Array> {
    const max = this.options.maxBytes;
    const declared = Number(response.headers.get('content-length'));
    if (declared > max) {
      await response.body?.cancel();
      throw new FetchError('too_large', url, `body of ${declared} bytes exceeds the limit of ${max}`, response.status);
    }
    if (!response.body) return new Uint8Array();
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > max) {
          await reader.cancel();
          throw new FetchError('too_large', url, `body exceeds the limit of ${max} bytes`, response.status);
        }
        chunks.push(value);
      }
    } catch (error) {
      if (error instanceof FetchError) throw error;
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new FetchError('timeout', url, `body not complete within ${this.options.timeoutMs} ms`);
      }
      throw new FetchError('network', url, `connection lost while reading the body: ${(error as Error).message}`);
    }
    const out = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      out.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return out;
  }

  /**
   * robots.txt per RFC 9309: 4xx → everything allowed; 5xx or unreachable → nothing allowed.
   * @throws {FetchError} (`robots`) when the URL may not be fetched.
   */
  async assertAllowed(url: string, signal?: AbortSignal): Promise<void> {
    const origin = new URL(url).origin;
    let entry = this.#robots.get(origin);
    if (entry) {
      const resolved = await entry;
      if (Date.now() - resolved.fetchedAt > ROBOTS_TTL_MS) entry = undefined;
    }
    if (!entry) {
      entry = this.#loadRobots(origin, signal);
      this.#robots.set(origin, entry);
    }
    const robots = await entry;
    if (!robots.allows(url)) throw new FetchError('robots', url, `disallowed by ${origin}/robots.txt (${robots.reason})`);
  }

  async #loadRobots(origin: string, signal?: AbortSignal): Promise<RobotsEntry> {
    const robotsUrl = `${origin}/robots.txt`;
    const fetchedAt = Date.now();
    try {
      const page = await this.#fetchOnce({ url: robotsUrl, expect: 'text', ...(signal ? { signal } : {}) });
      const parsed = robotsParser(robotsUrl, page.text);
      const agent = this.options.userAgent.split('/')[0] ?? this.options.userAgent;
      return { fetchedAt, allows: (u) => parsed.isAllowed(u, agent) !== false, reason: 'a Disallow rule matches' };
    } catch (error) {
      if (error instanceof FetchError && error.kind === 'http' && error.status !== null && error.status < 500) {
        return { fetchedAt, allows: () => true, reason: 'no robots.txt' };
      }
      const why = error instanceof Error ? error.message : String(error);
      // Unreachable robots.txt: RFC 9309 §2.3.1.4 says assume complete disallow; retry sooner.
      return { fetchedAt: fetchedAt - ROBOTS_TTL_MS + 60_000, allows: () => false, reason: `robots.txt unreachable: ${why}` };
    }
  }
}

/** Anything that fetches pages for the scrape runner: `HttpClient`, or the browser for challenge sites. */
export interface PageFetcher {
  fetchPage(request: PageRequest): Promise<FetchedPage>;
}

export { FetchError, sleep };
