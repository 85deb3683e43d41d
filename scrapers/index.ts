/**
 * The registry of sources. Adding a source means adding its module here; the CLI, API,
 * scheduler and README table all read this list.
 * @module
 */
import cac from './cac/index.js';
import govCn from './gov-cn/index.js';
import miit from './miit/index.js';
import mofcom from './mofcom/index.js';
import most from './most/index.js';
import ndrc from './ndrc/index.js';
import nhc from './nhc/index.js';
import nhsa from './nhsa/index.js';
import pbc from './pbc/index.js';
import type { Source } from './source.js';

export const SOURCES: readonly Source[] = [govCn, most, ndrc, nhsa, miit, mofcom, cac, nhc, pbc];

export function findSource(id: string): Source | undefined {
  return SOURCES.find((s) => s.id === id);
}

export type { Source } from './source.js';
