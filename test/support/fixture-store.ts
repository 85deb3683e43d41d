/**
 * Fills a test database with the gov.cn saved pages, through the real pipeline
 * (parse → normalise → store), as a scrape would.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import govCn from '../../scrapers/gov-cn/index.js';
import type { Database } from '../../src/db/schema.js';
import { decodeBody } from '../../src/http/charset.js';
import { createEnricher } from '../../src/enrichment/index.js';
import { loadIssuerDirectory } from '../../src/issuers/issuer.repository.js';
import { processDetailPage } from '../../src/scrape/process-page.js';

export const GOV_CN_MIRROR = join(process.cwd(), 'scrapers', 'gov-cn', 'fixtures', 'mirror', 'www.gov.cn');
export const GOV_CN_EXPECTED = JSON.parse(
  readFileSync(join(process.cwd(), 'scrapers', 'gov-cn', 'fixtures', 'expected.json'), 'utf8'),
) as Record<string, any>;

/** Canonical URLs of the saved pages that parse into notices. */
export const GOOD_PAGES = Object.entries(GOV_CN_EXPECTED)
  .filter(([url, e]) => url !== '_feeds' && e.ok)
  .map(([url]) => url);

export function savedPageText(url: string): string {
  const file = join(GOV_CN_MIRROR, new URL(url).pathname);
  if (!existsSync(file)) throw new Error(`no saved page for ${url}`);
  return decodeBody(new Uint8Array(readFileSync(file)), 'text/html', true).text;
}

export async function loadGovCnFixtures(db: Kysely<Database>): Promise<Map<string, string>> {
  const directory = await loadIssuerDirectory(db);
  const ids = new Map<string, string>();
  for (const url of GOOD_PAGES) {
    const result = await processDetailPage({ db, directory, enricher: createEnricher() }, govCn, url, savedPageText(url));
    if (!result.ok) throw new Error(`${url}: ${result.problem.reason}`);
    ids.set(url, result.noticeId);
  }
  return ids;
}
