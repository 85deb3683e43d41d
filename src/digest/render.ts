/**
 * The digest in any of its formats, for the API, the CLI and the page alike.
 * @module
 */
import type { Digest } from './digest.js';
import { renderHtml, renderJson, renderMarkdown } from './render-text.js';

export const DIGEST_FORMATS = ['md', 'html', 'json', 'pdf'] as const;
export type DigestFormat = (typeof DIGEST_FORMATS)[number];

export const DIGEST_CONTENT_TYPES: Record<DigestFormat, string> = {
  md: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  json: 'application/json; charset=utf-8',
  pdf: 'application/pdf',
};

/** Text for md, html and json; bytes for pdf. */
export async function renderDigest(digest: Digest, format: DigestFormat): Promise<string | Uint8Array> {
  switch (format) {
    case 'md':
      return renderMarkdown(digest);
    case 'html':
      return renderHtml(digest);
    case 'json':
      return renderJson(digest);
    case 'pdf':
      // loaded on first use: pdfkit and the font files are Node-only (the Worker answers 501 instead)
      return (await import('./render-pdf.js')).renderPdf(digest);
  }
}
