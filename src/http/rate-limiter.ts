/**
 * Per-host politeness: requests to one host are spaced by `1 / rps` seconds, across every source
 * running in this process. A host can also be paused (after a ban or `Retry-After`).
 * @module
 */

export class HostRateLimiter {
  readonly #next = new Map<string, number>();

  constructor(
    /** host → requests per second; `*` is the default. */
    private readonly limits: Map<string, number>,
    private readonly now: () => number = Date.now,
  ) {}

  intervalMs(host: string): number {
    const rps = this.limits.get(host) ?? this.limits.get('*') ?? 1;
    return 1000 / rps;
  }

  /**
   * Waits for this host's next free slot. Slots are reserved synchronously, so concurrent callers
   * queue up one interval apart and a burst never exceeds the rate.
   */
  async acquire(host: string, signal?: AbortSignal): Promise<void> {
    const now = this.now();
    const slot = Math.max(now, this.#next.get(host) ?? 0);
    this.#next.set(host, slot + this.intervalMs(host));
    const wait = slot - now;
    if (wait > 0) await sleep(wait, signal);
  }

  /** Holds every request to `host` for `ms` (from now). */
  pause(host: string, ms: number): void {
    const until = this.now() + ms;
    this.#next.set(host, Math.max(this.#next.get(host) ?? 0, until));
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
