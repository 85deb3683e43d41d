/**
 * The digest as Markdown, as self-contained e-mail-safe HTML (inline styles, no scripts, no external
 * resources), and as JSON.
 * @module
 */
import { shortKoreanDate } from '../enrichment/korean.js';
import type { Digest, DigestNotice } from './digest.js';

const DATE_LABEL = { published: '발표', written: '작성', first_seen: '수집' } as const;

/** `기간: 2020-06-22 ~ 2020-06-28 (한국 시간) · 기준일: 발표일(…) · 문건 3건` */
export function periodLine(d: Digest): string {
  return `기간: ${d.start} ~ ${d.end} (한국 시간) · 기준일: ${DATE_LABEL[d.by]}일${d.by === 'published' ? '(발표일이 없으면 작성일)' : ''} · 문건 ${d.total}건`;
}

/** `국가발전개혁위원회(国家发展改革委), …` */
export function issuersLine(n: DigestNotice): string {
  return n.issuers.map((i) => (i.nameKo ? `${i.nameKo}(${i.nameZh})` : i.nameZh)).join(', ') || '—';
}

/** `작성 2020.6.24 · 발표 2020.6.28`, saying so when the written date stood in for the published one. */
export function datesLine(n: DigestNotice, by: Digest['by']): string {
  const parts = [
    n.writtenDate ? `작성 ${shortKoreanDate(n.writtenDate)}` : null,
    n.publishedDate ? `발표 ${shortKoreanDate(n.publishedDate)}` : null,
  ].filter(Boolean);
  return `${parts.join(' · ') || '—'}${n.date.basis === 'written' && by === 'published' ? ' (발표일 미상: 작성일 기준)' : ''}`;
}

/** `에너지·전력, 산업·제조 · 한국 관련: 관세` */
export function sectorsLine(n: DigestNotice): string {
  return (n.sectors.map((s) => s.nameKo).join(', ') || '—') + (n.koreaRelevant ? ` · 한국 관련: ${n.koreaReasons.join(', ')}` : '');
}

/** What a week without notices says. */
export const EMPTY_WEEK = '이번 주에는 조건에 맞는 중앙정부 문건이 없습니다.';

/** `▶ <Korean title> (2020.6.18)` — the date that placed the notice in the week. */
export function tocEntry(n: DigestNotice): string {
  return `▶ ${n.titleKo} (${shortKoreanDate(n.date.value)})`;
}

function mdEscape(text: string): string {
  return text.replace(/([\\`*_[\]<>|])/g, '\\$1');
}

export function renderMarkdown(d: Digest): string {
  const out: string[] = [`# ${d.title}`, ''];
  out.push(periodLine(d), '');
  if (d.total === 0) {
    out.push(EMPTY_WEEK, '');
    return out.join('\n');
  }
  out.push('## 목차', '');
  for (const section of d.sections) {
    out.push(`◆ ${section.sector.nameKo}`, '');
    for (const n of section.notices) out.push(`- [${mdEscape(tocEntry(n))}](#${n.id})`);
    out.push('');
  }
  for (const section of d.sections) {
    out.push(`## ◆ ${section.sector.nameKo}`, '');
    for (const n of section.notices) {
      out.push(`<a id="${n.id}"></a>`, `### ▶ ${mdEscape(n.titleKo)}`, '');
      out.push(`- 원문 제목: ${mdEscape(n.titleZh)}`);
      out.push(`- 발문기관: ${mdEscape(issuersLine(n))}`);
      if (n.docNumber) out.push(`- 문호(发文字号): ${mdEscape(n.docNumber)}`);
      out.push(`- 날짜: ${datesLine(n, d.by)}`);
      out.push(`- 분야: ${sectorsLine(n)}`);
      if (n.url) out.push(`- 원문: <${n.url}>`);
      out.push('');
      if (n.summaryKo) out.push(...n.summaryKo.split('\n').map((l) => (l.startsWith('- ') ? l : `${l}`)), '');
    }
  }
  return out.join('\n');
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const FONT = "font-family:'Noto Sans KR','Noto Sans SC','Apple SD Gothic Neo','Malgun Gothic',sans-serif";

export function renderHtml(d: Digest): string {
  const body: string[] = [];
  body.push(`<h1 style="${FONT};font-size:22px;color:#1a2b4c;margin:0 0 8px">${esc(d.title)}</h1>`);
  body.push(
    `<p style="${FONT};font-size:13px;color:#555;margin:0 0 16px">${esc(periodLine(d))}</p>`,
  );
  if (d.total === 0) {
    body.push(`<p style="${FONT};font-size:15px">${EMPTY_WEEK}</p>`);
  } else {
    body.push(`<div style="${FONT};background:#f4f6fa;border:1px solid #dde3ee;padding:12px 16px;margin:0 0 20px">`);
    for (const section of d.sections) {
      body.push(`<p style="font-weight:bold;font-size:15px;margin:8px 0 4px;color:#1a2b4c">◆ ${esc(section.sector.nameKo)}</p>`);
      for (const n of section.notices) {
        body.push(`<p style="font-size:14px;margin:2px 0 2px 8px"><a href="#${n.id}" style="color:#1a4fa0;text-decoration:none">${esc(tocEntry(n))}</a></p>`);
      }
    }
    body.push('</div>');
    for (const section of d.sections) {
      body.push(`<h2 style="${FONT};font-size:18px;color:#1a2b4c;border-bottom:2px solid #1a2b4c;padding-bottom:4px;margin:24px 0 8px">◆ ${esc(section.sector.nameKo)}</h2>`);
      for (const n of section.notices) {
        body.push(`<div id="${n.id}" style="${FONT};margin:0 0 18px">`);
        body.push(`<h3 style="font-size:16px;margin:0 0 4px">▶ ${esc(n.titleKo)}</h3>`);
        body.push(`<p style="font-size:13px;color:#444;margin:0 0 6px">${esc(n.titleZh)}</p>`);
        const rows: Array<[string, string]> = [
          ['발문기관', issuersLine(n)],
          ...(n.docNumber ? ([['문호', n.docNumber]] as Array<[string, string]>) : []),
          ['날짜', datesLine(n, d.by)],
          ['분야', sectorsLine(n)],
        ];
        body.push('<table style="border-collapse:collapse;font-size:13px;margin:0 0 6px">');
        for (const [k, v] of rows) {
          body.push(`<tr><td style="color:#666;padding:1px 10px 1px 0;white-space:nowrap;vertical-align:top">${esc(k)}</td><td style="padding:1px 0">${esc(v)}</td></tr>`);
        }
        body.push('</table>');
        if (n.summaryKo) {
          body.push(`<div style="font-size:14px;line-height:1.6">${n.summaryKo.split('\n').map((l) => `<p style="margin:0 0 4px">${esc(l)}</p>`).join('')}</div>`);
        }
        if (n.url) body.push(`<p style="font-size:12px;margin:4px 0 0"><a href="${esc(n.url)}" style="color:#1a4fa0">원문 보기</a></p>`);
        body.push('</div>');
      }
    }
  }
  return [
    '<!DOCTYPE html>',
    '<html lang="ko"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(d.title)}</title></head>`,
    `<body style="margin:0;padding:16px;background:#ffffff;color:#222">`,
    `<div style="max-width:760px;margin:0 auto">`,
    ...body,
    `<p style="${FONT};font-size:11px;color:#888;margin-top:24px">China Policy Tracker · ${esc(d.generatedAt)}</p>`,
    '</div></body></html>',
  ].join('\n');
}

export function renderJson(d: Digest): string {
  return JSON.stringify(d, null, 2);
}
