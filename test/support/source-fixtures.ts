/**
 * A source's saved fixtures as its parser tests read them: `expected.json`, the mirror of the site
 * laid out by URL path, pages decoded the way the HTTP client decodes them, and list columns
 * followed to their last page.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBody } from '../../src/http/charset.js';
import type { ListItem, ListRequest, Source, SourceColumn } from '../../scrapers/source.js';
import { mirrorFile } from './mirror-server.js';

/** Whitespace of every kind removed, for comparing texts across layouts. */
export const noSpace = (s: string) => s.replace(/[\s\u3000\u00a0]/g, '');

/**
 * @param dir the source's folder (`scrapers/<id>`)
 * @param host the site's host, the mirror's top folder
 */
export function sourceFixtures(dir: string, host: string) {
  const mirror = join(dir, 'fixtures', 'mirror', host);
  const expected = JSON.parse(readFileSync(join(dir, 'fixtures', 'expected.json'), 'utf8')) as Record<string, any>;
  /** The detail-page URLs (keys that are not `_lists`, `_feeds` …). */
  const pageUrls = Object.keys(expected).filter((k) => !k.startsWith('_'));
  const fileOf = (url: string) => mirrorFile(mirror, url);
  const bytesOf = (url: string) => new Uint8Array(readFileSync(fileOf(url)));
  /** A saved answer decoded as the HTTP client would: bytes, then the charset (from <meta> when sniffing). */
  const savedPage = (url: string, contentType: string | null = 'text/html', sniffMeta = true) => decodeBody(bytesOf(url), contentType, sniffMeta).text;
  return { mirror, expected, pageUrls, fileOf, bytesOf, savedPage };
}

/** Every page of a list column, from its first request to the last `next`. */
export function listPages(
  parseList: Source['parseList'],
  read: (request: ListRequest) => string,
  column: SourceColumn,
): Array<{ request: ListRequest; items: ListItem[] }> {
  const pages: Array<{ request: ListRequest; items: ListItem[] }> = [];
  let request: ListRequest | null = column.first;
  while (request) {
    if (pages.length >= 20) throw new Error(`paging of ${column.id} does not end`);
    const page = parseList(read(request), request, column);
    pages.push({ request, items: page.items });
    request = page.next;
  }
  return pages;
}

/** A column's items and the requests that listed them. */
export function walkColumn(parseList: Source['parseList'], read: (request: ListRequest) => string, column: SourceColumn) {
  const pages = listPages(parseList, read, column);
  return { items: pages.flatMap((p) => p.items), requests: pages.map((p) => p.request) };
}
