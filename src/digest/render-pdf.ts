/**
 * The digest as a PDF (A4): the same content and order as the Markdown and HTML renderers — title,
 * period line, a table of contents grouped by sector, then per sector each notice with its titles,
 * issuers, 文号, dates, sectors, Korea relevance, Korean summary and source link.
 *
 * Korean and Chinese text are set in Noto Sans KR and Noto Sans SC (the TTFs that the
 * `@expo-google-fonts/*` packages ship, embedded as subsets). Noto Sans KR lacks many simplified
 * characters (发, 关, 办 …), so every string is split into runs by script and each run is written in
 * the font that suits it: Han → SC, Hangul → KR, and neutral characters (Latin, digits, spaces,
 * punctuation) stay with the run before them (KR when a string starts with them and has no Han). A
 * character the chosen font has no glyph for goes to the other font when that one has it.
 *
 * Pure: no database, no network; only the font files are read (once per process).
 * @module
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';
import type { Digest, DigestNotice } from './digest.js';
import { datesLine, EMPTY_WEEK, issuersLine, periodLine, sectorsLine, tocEntry } from './render-text.js';

type FontKey = 'kr' | 'krBold' | 'sc' | 'scBold';

const FONT_FILES: Record<FontKey, { pkg: string; file: string }> = {
  kr: { pkg: '@expo-google-fonts/noto-sans-kr', file: 'NotoSansKR_400Regular.ttf' },
  krBold: { pkg: '@expo-google-fonts/noto-sans-kr', file: 'NotoSansKR_700Bold.ttf' },
  sc: { pkg: '@expo-google-fonts/noto-sans-sc', file: 'NotoSansSC_400Regular.ttf' },
  scBold: { pkg: '@expo-google-fonts/noto-sans-sc', file: 'NotoSansSC_700Bold.ttf' },
};

const require = createRequire(import.meta.url);

/** Finds `file` under a directory, a few levels deep (the packages keep each weight in its own folder). */
function findFile(dir: string, file: string, depth = 3): string | null {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return null;
  }
  if (entries.includes(file)) return join(dir, file);
  if (depth === 0) return null;
  for (const entry of entries) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const sub = join(dir, entry);
    try {
      if (!statSync(sub).isDirectory()) continue;
    } catch {
      continue;
    }
    const found = findFile(sub, file, depth - 1);
    if (found) return found;
  }
  return null;
}

/** The path of one of the font files, wherever the package put it. */
export function fontPath(key: FontKey): string {
  const { pkg, file } = FONT_FILES[key];
  const weight = file.slice(file.indexOf('_') + 1, -'.ttf'.length); // 400Regular
  try {
    // the layout of @expo-google-fonts 0.2–0.4: <package>/<weight>/<Family>_<weight>.ttf
    return require.resolve(`${pkg}/${weight}/${file}`);
  } catch {
    // a package with an `exports` map, or another layout: search from the package's folder
  }
  const roots: string[] = [];
  try {
    roots.push(dirname(require.resolve(`${pkg}/package.json`)));
  } catch {
    for (const base of require.resolve.paths(pkg) ?? []) roots.push(join(base, pkg));
  }
  for (const root of roots) {
    const found = findFile(root, file);
    if (found) return found;
  }
  throw new Error(`render-pdf: font file ${file} not found; install it with \`npm i ${pkg}\``);
}

const fontData = new Map<FontKey, Buffer>();

function fontBytes(key: FontKey): Buffer {
  let data = fontData.get(key);
  if (!data) {
    data = readFileSync(fontPath(key));
    fontData.set(key, data);
  }
  return data;
}

/** The part of a fontkit font object that the run splitter uses. */
interface GlyphCoverage {
  hasGlyphForCodePoint(codePoint: number): boolean;
}

const HAN = /\p{Script=Han}/u;
const HANGUL = /\p{Script=Hangul}/u;

export interface TextRun {
  text: string;
  script: 'kr' | 'sc';
}

/**
 * Splits a string into runs of one font each: Han → `sc`, Hangul → `kr`, anything else stays with
 * the run before it (or the first strong character after it; `kr` when there is none). With
 * `coverage`, a character that its font lacks and the other font has moves to the other font.
 * @example splitRuns('국가발전개혁위원회(国家发展改革委)') // [{text:'국가발전개혁위원회(', script:'kr'}, {text:'国家发展改革委)', script:'sc'}]
 */
export function splitRuns(text: string, coverage?: { kr: GlyphCoverage; sc: GlyphCoverage }): TextRun[] {
  const chars = [...text];
  const strong = chars.map((c): 'kr' | 'sc' | null => (HAN.test(c) ? 'sc' : HANGUL.test(c) ? 'kr' : null));
  let current: 'kr' | 'sc' = strong.find((s) => s !== null) ?? 'kr';
  const runs: TextRun[] = [];
  chars.forEach((c, i) => {
    current = strong[i] ?? current;
    let script = current;
    if (coverage) {
      const cp = c.codePointAt(0)!;
      const other = script === 'kr' ? 'sc' : 'kr';
      if (!coverage[script].hasGlyphForCodePoint(cp) && coverage[other].hasGlyphForCodePoint(cp)) script = other;
    }
    const last = runs[runs.length - 1];
    if (last && last.script === script) last.text += c;
    else runs.push({ text: c, script });
  });
  return runs;
}

const COLOR = { ink: '#222222', navy: '#1a2b4c', muted: '#555555', label: '#666666', link: '#1a4fa0', rule: '#1a2b4c', faint: '#888888' };
const MARGIN = { top: 56, bottom: 64, left: 56, right: 56 };

interface Segment {
  text: string;
  bold?: boolean;
  color?: string;
  size?: number;
}

interface ParagraphOptions {
  indent?: number;
  size?: number;
  color?: string;
  bold?: boolean;
  link?: string;
  goTo?: string;
  underline?: boolean;
  lineGap?: number;
  align?: 'left' | 'center' | 'right';
}

export async function renderPdf(d: Digest): Promise<Uint8Array> {
  const created = new Date(d.generatedAt);
  const doc = new PDFDocument({
    size: 'A4',
    margins: MARGIN,
    bufferPages: true,
    autoFirstPage: true,
    lang: 'ko-KR',
    displayTitle: true,
    info: {
      Title: d.title,
      Author: 'China Policy Tracker',
      Subject: `${d.week} (${d.start} ~ ${d.end})`,
      Creator: 'China Policy Tracker',
      Keywords: d.sections.map((s) => s.sector.nameKo).join(', '),
      // the digest's own time, so the same digest gives the same file
      ...(Number.isNaN(created.getTime()) ? {} : { CreationDate: created, ModDate: created }),
    },
  });
  const done = new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  try {
    // fonts, once per document; their fontkit objects tell which code points each covers
    const coverage = {} as Record<FontKey, GlyphCoverage>;
    for (const key of Object.keys(FONT_FILES) as FontKey[]) {
      doc.registerFont(key, fontBytes(key));
      doc.font(key);
      const font = (doc as unknown as { _font?: { font?: Partial<GlyphCoverage> } })._font?.font;
      coverage[key] = typeof font?.hasGlyphForCodePoint === 'function' ? (font as GlyphCoverage) : { hasGlyphForCodePoint: () => true };
    }
    const left = MARGIN.left;
    const width = doc.page.width - MARGIN.left - MARGIN.right;

    /** One paragraph of segments, each split into font runs and written with `continued`. */
    const paragraph = (segments: Segment[], o: ParagraphOptions = {}): void => {
      const indent = o.indent ?? 0;
      const pieces: Array<{ text: string; font: FontKey; size: number; color: string }> = [];
      for (const seg of segments) {
        if (!seg.text) continue;
        const bold = seg.bold ?? o.bold ?? false;
        const runs = splitRuns(seg.text, bold ? { kr: coverage.krBold, sc: coverage.scBold } : { kr: coverage.kr, sc: coverage.sc });
        for (const run of runs) {
          const font: FontKey = run.script === 'kr' ? (bold ? 'krBold' : 'kr') : bold ? 'scBold' : 'sc';
          pieces.push({ text: run.text, font, size: seg.size ?? o.size ?? 10.5, color: seg.color ?? o.color ?? COLOR.ink });
        }
      }
      if (pieces.length === 0) return;
      pieces.forEach((p, i) => {
        doc.font(p.font).fontSize(p.size).fillColor(p.color);
        const options: PDFKit.Mixins.TextOptions = {
          width: width - indent,
          continued: i < pieces.length - 1,
          lineGap: o.lineGap ?? 2,
          align: o.align ?? 'left',
          // explicit nulls: pdfkit carries a continued paragraph's options over to the next call
          link: o.link ?? null,
          underline: o.underline ?? false,
          ...(o.goTo ? { goTo: o.goTo } : {}),
        };
        if (i === 0) doc.text(p.text, left + indent, doc.y, options);
        else doc.text(p.text, options);
      });
      doc.x = left;
    };

    /** Starts a new page when less than `needed` points are left, so a heading is not left alone at the bottom. */
    const keep = (needed: number): void => {
      if (doc.y + needed > doc.page.height - MARGIN.bottom) doc.addPage();
    };
    const gap = (points: number): void => {
      doc.y += points;
    };

    // title and period line
    paragraph([{ text: d.title }], { size: 18, bold: true, color: COLOR.navy, lineGap: 4 });
    gap(4);
    paragraph(
      [
        {
          text: periodLine(d),
        },
      ],
      { size: 9.5, color: COLOR.muted },
    );
    gap(6);
    doc.moveTo(left, doc.y).lineTo(left + width, doc.y).lineWidth(1.5).strokeColor(COLOR.rule).stroke();
    gap(12);

    if (d.total === 0 || d.sections.every((s) => s.notices.length === 0)) {
      paragraph([{ text: EMPTY_WEEK }], { size: 12 });
    } else {
      // table of contents; each entry links to its notice
      paragraph([{ text: '목차' }], { size: 13, bold: true, color: COLOR.navy });
      gap(4);
      for (const section of d.sections) {
        keep(40);
        gap(4);
        paragraph([{ text: `◆ ${section.sector.nameKo}` }], { size: 11.5, bold: true, color: COLOR.navy });
        gap(2);
        for (const n of section.notices) {
          paragraph([{ text: tocEntry(n) }], { indent: 10, size: 10.5, color: COLOR.link, goTo: destination(n) });
          gap(1);
        }
      }

      for (const section of d.sections) {
        gap(18);
        keep(120);
        paragraph([{ text: `◆ ${section.sector.nameKo}` }], { size: 15, bold: true, color: COLOR.navy });
        gap(3);
        doc.moveTo(left, doc.y).lineTo(left + width, doc.y).lineWidth(1.5).strokeColor(COLOR.rule).stroke();
        gap(10);
        for (const n of section.notices) {
          keep(90);
          doc.addNamedDestination(destination(n), 'XYZ', left, doc.y, null);
          paragraph([{ text: `▶ ${n.titleKo}` }], { size: 12.5, bold: true, color: COLOR.ink });
          gap(2);
          paragraph([{ text: n.titleZh }], { size: 10, color: COLOR.muted });
          gap(4);
          const field = (label: string, value: string): void => {
            paragraph([{ text: `${label}  `, bold: true, color: COLOR.label }, { text: value }], { indent: 8, size: 9.5 });
            gap(1);
          };
          field('발문기관', issuersLine(n));
          if (n.docNumber) field('문호(发文字号)', n.docNumber);
          field('날짜', datesLine(n, d.by));
          field('분야', sectorsLine(n));
          if (n.summaryKo) {
            gap(4);
            for (const line of n.summaryKo.split('\n')) {
              if (!line.trim()) continue;
              paragraph([{ text: line }], { size: 10.5, lineGap: 3 });
              gap(2);
            }
          }
          if (n.url) {
            gap(2);
            paragraph([{ text: '원문  ', bold: true, color: COLOR.label }, { text: n.url, color: COLOR.link }], {
              indent: 8,
              size: 9,
              link: n.url,
            });
          }
          gap(14);
        }
      }
    }
    gap(8);
    paragraph([{ text: `China Policy Tracker · ${d.generatedAt}` }], { size: 8, color: COLOR.faint });

    // footer on every page: the week on the left, the page number on the right
    const range = doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      doc.switchToPage(i);
      const bottom = doc.page.margins.bottom;
      doc.page.margins.bottom = 0; // writing inside the bottom margin must not start a new page
      const y = doc.page.height - MARGIN.bottom + 24;
      doc.font('kr').fontSize(8).fillColor(COLOR.faint);
      doc.text(`China Policy Tracker · ${d.week}`, left, y, { width: width / 2, lineBreak: false, align: 'left' });
      doc.text(`${i - range.start + 1} / ${range.count}`, left + width / 2, y, { width: width / 2, lineBreak: false, align: 'right' });
      doc.page.margins.bottom = bottom;
    }
    doc.end();
  } catch (err) {
    doc.end();
    await done.catch(() => undefined);
    throw err;
  }
  return done;
}

/** The named destination of a notice inside the PDF (the table of contents links to it). */
function destination(n: DigestNotice): string {
  return `notice-${n.id}`;
}
