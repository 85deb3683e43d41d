/**
 * Once per test run: the embedded-database template, and a migrated test store that every PGlite
 * test database starts from (loading a dump takes ~1 s; creating and migrating a cluster ~6 s).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { SOURCES } from '../../scrapers/index.js';
import { openDatabase } from '../../src/db/client.js';
import { ensureTemplate } from '../../src/db/pglite-template.js';
import { prepareStore } from '../../src/db/prepare-store.js';

export default async function setup(project: TestProject) {
  await ensureTemplate();
  const handle = await openDatabase({ memory: true });
  try {
    await prepareStore(handle.db, SOURCES);
    const dump = await handle.pglite!.dumpDataDir('gzip');
    const dir = join(process.cwd(), 'node_modules', '.cache', 'china-policy-tracker');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `test-store-${process.pid}.tar.gz`);
    writeFileSync(path, new Uint8Array(await dump.arrayBuffer()));
    project.provide('testStorePath', path);
  } finally {
    await handle.close();
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    testStorePath: string;
  }
}
