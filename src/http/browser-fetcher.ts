/**
 * Fetching through Debian's chromium (playwright-core) for sites that answer plain HTTP clients with
 * a JavaScript cookie challenge (瑞数 412, 加速乐 521): the browser runs the challenge script, keeps the
 * cookies it sets, and loads the real page. Used only when `CPT_BROWSER=1` and only for sources that
 * declare `needsBrowser`; robots.txt, host mapping and per-host rate limits are those of `HttpClient`.
 * @module
 */
import { existsSync } from 'node:fs';
import type { Browser, BrowserContext } from 'playwright-core';
import { decodeBody } from './charset.js';
import { FetchError } from './fetch-error.js';
import type { FetchedPage, HttpClient, PageRequest } from './http-client.js';
import { HostRateLimiter } from './rate-limiter.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a headless chromium as root in a closed network (no background services). */
const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const CHALLENGE = /\$_ts|__jsl_clearance|wzws_cid|<meta[^>]+content="\{q{4,}/u;

export interface BrowserFetcherOptions {
  http: HttpClient;
  rateLimits: Map<string, number>;
  timeoutMs: number;
  executablePath?: string;
}

export class BrowserFetcher {
  #browser: Promise<Browser> | null = null;
  #context: Promise<BrowserContext> | null = null;
  readonly #limiter: HostRateLimiter;

  constructor(private readonly options: BrowserFetcherOptions) {
    this.#limiter = new HostRateLimiter(options.rateLimits);
  }

  async #contextOnce(): Promise<BrowserContext> {
    const executablePath = this.options.executablePath ?? CHROMIUM_PATH;
    if (!existsSync(executablePath)) {
      throw new FetchError('network', executablePath, `no browser at ${executablePath} (apt-get install -y chromium)`);
    }
    this.#browser ??= import('playwright-core').then(({ chromium }) => chromium.launch({ executablePath, args: CHROMIUM_ARGS }));
    this.#context ??= this.#browser.then((b) => b.newContext({ locale: 'zh-CN', ignoreHTTPSErrors: false }));
    return this.#context;
  }

  /**
   * Loads a page in the browser, waiting out a challenge that reloads the page.
   * @throws {FetchError} when the page stays a challenge or answers an error status.
   */
  async fetchPage(request: PageRequest): Promise<FetchedPage> {
    if (this.options.http.options.robots) await this.options.http.assertAllowed(request.url, request.signal);
    const context = await this.#contextOnce();
    const host = new URL(request.url).host;
    await this.#limiter.acquire(host, request.signal);
    const actual = this.options.http.actualUrl(request.url);
    if (request.method === 'POST' || request.expect !== 'html') {
      // Lists (JSON, XML, POST APIs) are read with the context's request API, which shares the
      // cookies; a challenge answer means the cookies are missing: pass it on a page, then ask again.
      let response = await this.#request(context, request, actual);
      if (response.status() === 412 || response.status() === 521) {
        await this.#passChallenge(context, actual);
        response = await this.#request(context, request, actual);
      }
      const bytes = new Uint8Array(await response.body());
      if (!response.ok()) {
        const kind = response.status() === 412 || response.status() === 521 ? 'challenge' : 'http';
        throw new FetchError(kind, request.url, `HTTP ${response.status()} (through the browser)`, response.status());
      }
      const contentType = response.headers()['content-type'] ?? null;
      const decoded = decodeBody(bytes, contentType, request.expect === 'html');
      return { ...this.#page(request.url, request.url, response.status(), contentType, bytes, decoded.text), charset: decoded.charset, charsetNote: decoded.note };
    }
    const page = await context.newPage();
    // The last document the main frame received: its bytes are what the site served (a page cut off in
    // transfer stays cut off; the DOM would have closed its tags), decoded by our own charset rules.
    let lastDocument: import('playwright-core').Response | null = null;
    page.on('response', (response) => {
      if (response.request().isNavigationRequest() && response.frame() === page.mainFrame()) lastDocument = response;
    });
    try {
      await page.goto(actual, { waitUntil: 'load', timeout: this.options.timeoutMs });
      // The content of a page that is navigating cannot be read: wait for the load that follows.
      const settledContent = async (): Promise<string> => {
        for (let i = 0; i < 20; i++) {
          try {
            return await page.content();
          } catch {
            await page.waitForLoadState('load', { timeout: this.options.timeoutMs }).catch(() => {});
            await page.waitForTimeout(100);
          }
        }
        throw new FetchError('timeout', request.url, 'browser: the page kept navigating');
      };
      let html = await settledContent();
      // the challenge script sets its cookie and reloads; give it the time a person's browser would
      for (let i = 0; i < 10 && CHALLENGE.test(html); i++) {
        await page.waitForTimeout(300);
        await page.waitForLoadState('load', { timeout: this.options.timeoutMs }).catch(() => {});
        html = await settledContent();
      }
      const document = lastDocument as import('playwright-core').Response | null;
      const status = document?.status() ?? 0;
      if (CHALLENGE.test(html) || status === 412 || status === 521) {
        throw new FetchError('challenge', request.url, `anti-bot challenge (HTTP ${status || '?'}) not passed in the browser`, status || null);
      }
      if (!document || status >= 400) throw new FetchError('http', request.url, `HTTP ${status} (through the browser)`, status || null);
      const bytes = new Uint8Array(await document.body());
      const contentType = document.headers()['content-type'] ?? null;
      const decoded = decodeBody(bytes, contentType, true);
      const finalUrl = this.options.http.canonicalUrl(document.url());
      return { ...this.#page(request.url, finalUrl, status, contentType, bytes, decoded.text), charset: decoded.charset, charsetNote: decoded.note };
    } catch (error) {
      if (error instanceof FetchError) throw error;
      const message = (error as Error).message.split('\n')[0] ?? String(error);
      throw new FetchError(/Timeout/i.test(message) ? 'timeout' : 'network', request.url, `browser: ${message}`);
    } finally {
      await page.close();
    }
  }

  #request(context: BrowserContext, request: PageRequest, actual: string) {
    const options = { headers: request.headers ?? {}, timeout: this.options.timeoutMs };
    if (request.method === 'POST') {
      return context.request.post(actual, {
        ...options,
        headers: { 'content-type': request.contentType ?? 'application/x-www-form-urlencoded; charset=UTF-8', ...request.headers },
        data: request.body ?? '',
      });
    }
    return context.request.get(actual, options);
  }

  /** Opens the URL on a page and waits until the challenge script has set its cookies and reloaded. */
  async #passChallenge(context: BrowserContext, actual: string): Promise<void> {
    const page = await context.newPage();
    try {
      await page.goto(actual, { waitUntil: 'load', timeout: this.options.timeoutMs }).catch(() => {});
      for (let i = 0; i < 20; i++) {
        await page.waitForTimeout(200);
        const html = await page.content().catch(() => '');
        if (html && !CHALLENGE.test(html)) return;
      }
    } finally {
      await page.close();
    }
  }

  #page(url: string, finalUrl: string, status: number, contentType: string | null, bytes: Uint8Array, text: string): FetchedPage {
    return { url, finalUrl, status, notModified: false, contentType, charset: 'utf-8', charsetNote: null, etag: null, lastModified: null, bytes, text };
  }

  async close(): Promise<void> {
    const browser = this.#browser;
    this.#browser = null;
    this.#context = null;
    if (browser) await (await browser).close().catch(() => {});
  }
}
