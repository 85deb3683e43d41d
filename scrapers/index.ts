/**
 * The registry of sources. Adding a source means adding its module here; the CLI, API,
 * scheduler and README table all read this list.
 * @module
 */
import govCn from './gov-cn/index.js';
import type { Source } from './source.js';

export const SOURCES: readonly Source[] = [govCn];

export function findSource(id: string): Source | undefined {
  return SOURCES.find((s) => s.id === id);
}

export type { Source } from './source.js';
