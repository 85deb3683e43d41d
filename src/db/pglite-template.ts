/**
 * A ready-made empty PGlite cluster. Creating a cluster (initdb) takes several seconds in WASM;
 * loading a saved one takes about one. `npm install` saves it once (postinstall → `cpt init`),
 * and new data directories and test databases start from it.
 * @module
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

const require = createRequire(import.meta.url);
const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function pgliteVersion(): string {
  // the package does not export its package.json; find it beside the resolved entry point
  let dir = dirname(require.resolve('@electric-sql/pglite'));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Keyed by PGlite version: a newer PGlite must not load an older cluster format. */
export function templatePath(): string {
  return join(PROJECT_ROOT, 'node_modules', '.cache', 'china-policy-tracker', `pglite-${pgliteVersion()}.tar.gz`);
}

/** @returns the saved empty cluster, or undefined when none is saved. */
export function loadTemplate(): Blob | undefined {
  const path = templatePath();
  if (!existsSync(path)) return undefined;
  return new Blob([readFileSync(path)]);
}

/** Saves the empty cluster if it is not saved yet. @returns the path. */
export async function ensureTemplate(): Promise<string> {
  const path = templatePath();
  if (existsSync(path)) return path;
  const db = await PGlite.create();
  try {
    const dump = await db.dumpDataDir('gzip');
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, new Uint8Array(await dump.arrayBuffer()));
    renameSync(tmp, path); // atomic: parallel installs or test workers never see half a file
  } finally {
    await db.close();
  }
  return path;
}

/** Whether a data directory already holds a cluster. */
export function hasCluster(dataDir: string): boolean {
  return existsSync(join(dataDir, 'PG_VERSION'));
}
