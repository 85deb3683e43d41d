/**
 * The frame every Korean page shares: `<html lang="ko">`, the viewport, the CJK fonts, one
 * stylesheet, the header with the navigation and the API-key status, and the security headers.
 * Pages are server-rendered and run no script.
 * @module
 */
import type { Context } from 'hono';
import type { Child, FC } from 'hono/jsx';

/** No script at all; styles are the page's own; the digest preview frame is this origin's. */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'";

export const NAV = [
  { href: '/', label: '공고 목록', id: 'notices' },
  { href: '/sources', label: '수집원', id: 'sources' },
  { href: '/subscriptions', label: '알림 구독', id: 'subscriptions' },
  { href: '/digests', label: '주간 다이제스트', id: 'digests' },
] as const;
export type NavId = (typeof NAV)[number]['id'] | 'session';

const STYLE = `
*{box-sizing:border-box}
body{font-family:"Noto Sans KR","Noto Sans CJK KR","Noto Sans SC",sans-serif;margin:0;color:#222;background:#f6f7f9;line-height:1.5;overflow-wrap:anywhere}
[lang=zh]{font-family:"Noto Sans SC","Noto Sans CJK SC","Noto Sans KR",sans-serif}
header{background:#1f3a5f;color:#fff;padding:8px 16px;display:flex;flex-wrap:wrap;align-items:center;gap:4px 16px}
header a{color:#fff;text-decoration:none}header .brand{font-weight:bold;margin-right:8px}
header nav{display:flex;flex-wrap:wrap;gap:4px 14px}header nav a[aria-current=page]{border-bottom:2px solid #fff}
header .who{margin-left:auto;font-size:13px;display:flex;gap:8px;align-items:center}
header .who button{background:none;border:1px solid #fff;color:#fff;border-radius:4px;font-size:12px;cursor:pointer}
main{max-width:1100px;margin:0 auto;padding:16px}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:20px 0 8px}
form{background:#fff;border:1px solid #dde;border-radius:6px;padding:12px;display:flex;flex-wrap:wrap;gap:12px;align-items:flex-end}
form.inline{display:inline;background:none;border:0;padding:0}
fieldset{border:0;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:6px 12px;min-width:0;align-items:center}
.actions{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}.actions form{margin:0}
input,select,textarea,button{font:inherit;max-width:100%}
textarea{width:100%}
label{font-size:14px}.error,.errors{color:#b00020;font-weight:bold}
.notice-msg{background:#e7f4ea;border:1px solid #9c9;padding:8px;border-radius:4px}
nav.weeks{display:flex;justify-content:space-between;margin:12px 0;gap:8px;flex-wrap:wrap}
ul.links{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:8px}
ul.links a{display:inline-block;padding:6px 10px;background:#fff;border:1px solid #1f3a5f;border-radius:4px;color:#1f3a5f;text-decoration:none}
iframe{width:100%;height:70vh;border:1px solid #dde;background:#fff}
table{border-collapse:collapse;background:#fff;width:100%}
th,td{border:1px solid #dde;padding:4px 8px;text-align:left;vertical-align:top;font-size:14px}
.table-wrap{overflow-x:auto;max-width:100%}
.badge{display:inline-block;font-size:12px;padding:1px 6px;border-radius:10px;border:1px solid #889;background:#fff;white-space:nowrap}
.badge.reviewed{background:#e7f4ea;border-color:#393;color:#164}.badge.machine{background:#eef2fb;border-color:#57a;color:#234}
.badge.pending{background:#fff6e0;border-color:#c90;color:#750}.badge.bad{background:#fde8ea;border-color:#b00020;color:#b00020}
.badge.sector{background:#f0f0f6}
.chip{display:inline-flex;gap:4px;align-items:center;border:1px solid #ccd;border-radius:14px;padding:2px 8px;background:#fafbfc}
.count{color:#667;font-size:12px}
.muted{color:#667;font-size:13px}
mark{background:#ffe58a;padding:0 1px}
ins{background:#dff5e1;text-decoration:none}del{background:#fde2e4}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.cols>section{background:#fff;border:1px solid #dde;border-radius:6px;padding:12px;min-width:0}
.body-html img{max-width:100%;height:auto}.body-html table{width:auto;max-width:100%}
.pre{white-space:pre-wrap}
@media (max-width:800px){.cols{grid-template-columns:1fr}}
@media (max-width:600px){main{padding:8px}iframe{height:60vh}header .who{margin-left:0}
 table.stack thead{display:none}table.stack tr,table.stack td{display:block;width:100%}table.stack td{border-width:0 0 1px}table.stack tr{border:1px solid #dde;margin-bottom:8px}}
`;

export interface LayoutProps {
  title: string;
  active: NavId;
  /** Name of the API key of this browser's session, or null. */
  user?: string | null;
  /** Extra elements of `<head>` (feed links). */
  head?: Child;
  children?: Child;
}

export const Layout: FC<LayoutProps> = (p) => (
  <html lang="ko">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{p.title} — China Policy Tracker</title>
      <link rel="icon" href="data:," />
      {p.head}
      <style dangerouslySetInnerHTML={{ __html: STYLE }} />
    </head>
    <body>
      <header>
        <a class="brand" href="/">
          China Policy Tracker
        </a>
        <nav aria-label="주 메뉴">
          {NAV.map((n) => (
            <a href={n.href} aria-current={n.id === p.active ? 'page' : undefined}>
              {n.label}
            </a>
          ))}
        </nav>
        <div class="who">
          {p.user ? (
            <>
              <span>API 키: {p.user}</span>
              <form class="inline" method="post" action="/session/logout">
                <button type="submit">로그아웃</button>
              </form>
            </>
          ) : (
            <a href="/session">API 키 입력</a>
          )}
        </div>
      </header>
      <main>{p.children}</main>
    </body>
  </html>
);

/** Sends a rendered page with the security headers every page carries. */
export async function sendPage(c: Context, page: { toString(): string | Promise<string> }, status: 200 | 400 | 401 | 403 | 404 | 503 = 200): Promise<Response> {
  setPageHeaders(c);
  const html = await page.toString();
  return c.html(`<!DOCTYPE html>${html}`, status);
}

export function setPageHeaders(c: Context): void {
  c.header('content-security-policy', PAGE_CSP);
  c.header('x-content-type-options', 'nosniff');
  c.header('referrer-policy', 'same-origin');
}

/** `2020-06-28` → `2020.6.28`, the way Korean briefings write dates. */
export function koDate(day: string | null | undefined): string {
  if (!day) return '–';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(day);
  return m ? `${m[1]}.${Number(m[2])}.${Number(m[3])}` : day;
}

/** A date-time in Korea time, `2020.7.9 17:00`. */
export function koDateTime(value: Date | string | null | undefined): string {
  if (!value) return '–';
  const d = new Date(value);
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Seoul',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(d);
  const get = (t: string) => parts.find((x) => x.type === t)?.value ?? '';
  return `${get('year')}.${Number(get('month'))}.${Number(get('day'))} ${get('hour')}:${get('minute')}`;
}

/** Only http(s) URLs become links; anything else (`javascript:`, `data:`) is shown as text. */
export function safeHref(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : null;
  } catch {
    return null;
  }
}

export const SUMMARY_BADGE = {
  machine: { label: '기계 요약', cls: 'badge machine' },
  reviewed: { label: '검토 완료', cls: 'badge reviewed' },
  pending: { label: '요약 대기', cls: 'badge pending' },
} as const;
