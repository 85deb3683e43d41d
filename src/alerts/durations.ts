/**
 * Durations as the configuration writes them: `5s,5m,30m,2h,5h,10h,10h`.
 * @module
 */

/** @returns milliseconds, one per comma-separated part. @throws {Error} naming the unreadable part. */
export function parseDurations(value: string): number[] {
  return value.split(',').map((part) => {
    const m = /^\s*(\d+)\s*(ms|s|m|h|d)\s*$/.exec(part);
    if (!m) throw new Error(`"${part.trim()}" is not a duration like 5s, 5m, 2h or 1d`);
    const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
    return Number(m[1]) * unit;
  });
}
