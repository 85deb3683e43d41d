/**
 * Why fetching a page failed, precisely enough to tell the user and to pick a run status.
 * @module
 */

export type FetchErrorKind =
  | 'http' // a non-success status after retries
  | 'timeout'
  | 'network' // DNS, refused, reset
  | 'too_large'
  | 'content_type'
  | 'redirect' // loop, too many, or to another site
  | 'robots' // disallowed by robots.txt
  | 'challenge'; // an anti-bot JavaScript challenge page

export class FetchError extends Error {
  override name = 'FetchError';
  constructor(
    readonly kind: FetchErrorKind,
    readonly url: string,
    message: string,
    readonly status: number | null = null,
    /** From `Retry-After` on 429/503, for the retry that follows. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }

  /** Worth another attempt: server errors, 429, a 403 (burst ban: once), timeouts, network failures. */
  get retryable(): boolean {
    if (this.kind === 'timeout' || this.kind === 'network') return true;
    return (
      this.kind === 'http' &&
      this.status !== null &&
      (this.status === 429 || this.status === 408 || this.status === 403 || this.status >= 500)
    );
  }
}

/**
 * `Retry-After` in seconds or as an HTTP date.
 * @returns milliseconds to wait, or null when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
