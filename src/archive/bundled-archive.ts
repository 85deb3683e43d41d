/**
 * The archive of real central-government notices that ships with the product (`archive/notices/`).
 * `npm start` imports it into an empty store, so a new user sees real notices at once.
 * @module
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Source } from '../../scrapers/source.js';
import type { PipelineDeps } from '../scrape/process-page.js';
import { type ImportSummary, importPaths } from './import.js';

export const BUNDLED_ARCHIVE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'archive', 'notices');

/** Imports the bundled archive when the store holds no notice. @returns the summary, or null when not empty. */
export async function importBundledArchiveIfEmpty(deps: PipelineDeps, sources: readonly Source[]): Promise<ImportSummary | null> {
  const any = await deps.db.selectFrom('notices').select('id').limit(1).executeTakeFirst();
  if (any) return null;
  return importPaths(deps, sources, [BUNDLED_ARCHIVE_DIR]);
}
