/**
 * Decoding fetched bytes: the charset from the Content-Type header, else from `<meta>`, else a BOM,
 * else UTF-8 — and GB18030 when a page that claims (or defaults to) UTF-8 does not decode as UTF-8.
 * GBK and GB2312 are decoded as GB18030, their superset.
 * @module
 */
import iconv from 'iconv-lite';

export interface DecodedText {
  text: string;
  /** The charset actually used. */
  charset: string;
  /** Set when the declared charset was wrong and another one was used. */
  note: string | null;
}

const ALIASES: Record<string, string> = {
  gbk: 'gb18030',
  gb2312: 'gb18030',
  'x-gbk': 'gb18030',
  gb_2312: 'gb18030',
  'gb_2312-80': 'gb18030',
  'x-euc-cn': 'gb18030',
  'euc-cn': 'gb18030',
  utf8: 'utf-8',
};

export function normalizeCharset(name: string | null | undefined): string | null {
  if (!name) return null;
  const lower = name.trim().replace(/^["']|["']$/g, '').toLowerCase();
  if (!lower) return null;
  return ALIASES[lower] ?? lower;
}

/** Charset parameter of a Content-Type header value. */
export function charsetFromContentType(contentType: string | null | undefined): string | null {
  const m = /charset\s*=\s*["']?([\w.:-]+)/i.exec(contentType ?? '');
  return normalizeCharset(m?.[1]);
}

/** `<meta charset>` or `<meta http-equiv="Content-Type" content="…; charset=…">` in the first 4 KB. */
export function charsetFromMeta(bytes: Uint8Array): string | null {
  const head = Buffer.from(bytes.subarray(0, 4096)).toString('latin1');
  const m = /<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)/i.exec(head);
  return normalizeCharset(m?.[1]);
}

function bomCharset(bytes: Uint8Array): string | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return null;
}

function countReplacement(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\ufffd'); i !== -1; i = text.indexOf('\ufffd', i + 1)) n++;
  return n;
}

/**
 * Decodes a response body.
 * @param contentType the Content-Type header value, if any
 * @param sniffMeta read `<meta charset>` (HTML); JSON has no meta
 */
export function decodeBody(bytes: Uint8Array, contentType: string | null, sniffMeta = true): DecodedText {
  const declared = charsetFromContentType(contentType) ?? (sniffMeta ? charsetFromMeta(bytes) : null);
  const charset = bomCharset(bytes) ?? declared ?? 'utf-8';
  const usable = iconv.encodingExists(charset) ? charset : 'utf-8';
  const text = iconv.decode(Buffer.from(bytes), usable);
  let note = usable === charset ? null : `unknown charset "${charset}", decoded as utf-8`;
  if (usable === 'utf-8' && countReplacement(text) > 0) {
    // Many older ministry pages are GBK without saying so, or say utf-8 wrongly.
    const gb = iconv.decode(Buffer.from(bytes), 'gb18030');
    if (countReplacement(gb) < countReplacement(text)) {
      return { text: gb, charset: 'gb18030', note: `declared ${declared ?? 'no charset'} but the bytes are GB18030` };
    }
  }
  return { text: text.replace(/^\uFEFF/, ''), charset: usable, note };
}
