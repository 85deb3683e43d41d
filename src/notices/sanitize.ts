/**
 * Scraped HTML is cleaned with an allow-list before it is stored: text structure, tables, links
 * and images survive; scripts, styles, event handlers, forms and frames do not. Relative links
 * are made absolute against the page URL so a stored body never points at our own origin.
 * @module
 */
import sanitizeHtml from 'sanitize-html';

const ALLOWED_TAGS = [
  'p', 'br', 'div', 'span', 'strong', 'b', 'em', 'i', 'u', 's', 'sub', 'sup', 'small',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'dl', 'dt', 'dd',
  'table', 'thead', 'tbody', 'tfoot', 'tr', 'td', 'th', 'caption', 'colgroup', 'col',
  'blockquote', 'pre', 'hr', 'a', 'img', 'center',
];

function absolute(value: string | undefined, base: string): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value.trim(), base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * @param html the body HTML as served
 * @param pageUrl the page's canonical URL, for resolving relative links
 * @returns HTML safe to embed in our pages
 */
export function sanitizeBodyHtml(html: string, pageUrl: string | null): string {
  const base = pageUrl ?? 'https://invalid.example/';
  return sanitizeHtml(html, {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: {
      a: ['href', 'title', 'rel'],
      img: ['src', 'alt', 'width', 'height'],
      td: ['colspan', 'rowspan'],
      th: ['colspan', 'rowspan'],
      '*': ['style'],
    },
    // Only the layout of official documents: centred headings, right-aligned signatures, indents.
    allowedStyles: {
      '*': {
        'text-align': [/^(left|right|center|justify)$/],
        'text-indent': [/^-?\d+(\.\d+)?(em|px|pt)$/],
      },
    },
    allowedSchemes: ['http', 'https'],
    allowProtocolRelative: false,
    transformTags: {
      a: (tagName, attribs) => {
        const href = pageUrl ? absolute(attribs.href, base) : undefined;
        const out: Record<string, string> = { rel: 'noopener noreferrer nofollow' };
        if (href) out.href = href;
        if (attribs.title) out.title = attribs.title;
        return { tagName, attribs: out };
      },
      img: (tagName, attribs) => {
        const src = pageUrl ? absolute(attribs.src, base) : undefined;
        const out: Record<string, string> = {};
        if (src) out.src = src;
        for (const k of ['alt', 'width', 'height'] as const) if (attribs[k]) out[k] = attribs[k]!;
        return { tagName, attribs: out };
      },
    },
    exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
  }).trim();
}
