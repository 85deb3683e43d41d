/**
 * API keys in the browser. `POST /session` checks a key and keeps it in an HttpOnly,
 * SameSite=Strict cookie (Secure over https); pages that write (`POST` forms) need that cookie.
 * SameSite=Strict is the CSRF defence: a cross-site form post arrives without the cookie. On top
 * of it, a POST whose `Origin` (or `Sec-Fetch-Site`) says it came from another site is refused.
 * @module
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppDeps } from '../api/app-deps.js';
import type { AppEnv } from '../api/app-env.js';
import { Layout, sendPage } from './layout.js';

export const SESSION_COOKIE = 'cpt_key';

/** Who the browser's key belongs to: the key's name, or null without a (valid) key. */
export type KeyName = (c: Context) => Promise<string | null>;

export function keyNameOf(deps: Pick<AppDeps, 'authenticate'>): KeyName {
  return async (c) => {
    const key = getCookie(c, SESSION_COOKIE);
    return key ? authenticate(deps, key) : null;
  };
}

/** The one place that knows how a presented key is checked. */
function authenticate(deps: Pick<AppDeps, 'authenticate'>, key: string): Promise<string | null> {
  return deps.authenticate(key);
}

/** Whether a POST came from our own pages: `Origin` (when sent) is this origin, and the browser does not say cross-site. */
export function sameOrigin(c: Context, publicUrl?: string | null): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return false;
  const origin = c.req.header('origin');
  if (!origin) return true;
  const own = new URL(c.req.url).origin;
  let configured: string | null = null;
  try {
    configured = publicUrl ? new URL(publicUrl).origin : null;
  } catch {
    configured = null;
  }
  return origin === own || origin === configured;
}

/** A safe place to return to after logging in: a path on this site, never `//other.host`. */
function localPath(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) && value.length < 2000 ? value : '/';
}

function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}

const SessionPage = (p: { user: string | null; next: string; error: string | null }) => (
  <Layout title="API 키" active="session" user={p.user}>
    <h1>API 키</h1>
    <p>구독 관리와 한국어 요약 수정에는 API 키가 필요합니다. 키는 이 브라우저의 쿠키(HttpOnly)에만 보관됩니다.</p>
    {p.error ? (
      <p class="error" role="alert">
        {p.error}
      </p>
    ) : null}
    {p.user ? <p class="notice-msg">현재 키: {p.user}</p> : null}
    <form method="post" action="/session">
      <input type="hidden" name="next" value={p.next} />
      <label>
        API 키
        <br />
        <input type="password" name="key" autocomplete="current-password" required minlength={1} />
      </label>
      <button type="submit">확인</button>
    </form>
  </Layout>
);

/**
 * Refuses a write from a page when the browser has no valid key (401) or the request is cross-site (403).
 * @returns the key's name, or the response to send instead
 */
export async function requireWriter(c: Context, keyName: KeyName, publicUrl?: string | null): Promise<{ name: string } | Response> {
  if (!sameOrigin(c, publicUrl)) {
    return sendPage(
      c,
      <Layout title="요청 거부" active="session" user={null}>
        <h1>요청 거부</h1>
        <p class="error" role="alert">
          다른 사이트에서 보낸 요청은 받지 않습니다.
        </p>
      </Layout>,
      403,
    );
  }
  const name = await keyName(c);
  if (!name) {
    return sendPage(c, <SessionPage user={null} next={localPath(new URL(c.req.url).pathname)} error="이 작업에는 API 키가 필요합니다. 키를 입력하세요." />, 401);
  }
  return { name };
}

export function sessionPages(deps: Pick<AppDeps, 'authenticate' | 'publicUrl'>, keyName: KeyName) {
  const app = new Hono<AppEnv>();
  app.get('/session', async (c) => sendPage(c, <SessionPage user={await keyName(c)} next={localPath(c.req.query('next'))} error={null} />));
  app.post('/session', async (c) => {
    if (!sameOrigin(c, deps.publicUrl)) return sendPage(c, <SessionPage user={null} next="/" error="다른 사이트에서 보낸 요청은 받지 않습니다." />, 403);
    const form = await c.req.parseBody();
    const key = typeof form.key === 'string' ? form.key.trim() : '';
    const next = localPath(form.next);
    const name = key ? await authenticate(deps, key) : null;
    if (!name) return sendPage(c, <SessionPage user={null} next={next} error="API 키가 올바르지 않습니다." />, 401);
    setCookie(c, SESSION_COOKIE, key, { httpOnly: true, sameSite: 'Strict', path: '/', secure: isHttps(c) });
    return c.redirect(next, 303);
  });
  app.post('/session/logout', async (c) => {
    if (!sameOrigin(c, deps.publicUrl)) return sendPage(c, <SessionPage user={null} next="/" error="다른 사이트에서 보낸 요청은 받지 않습니다." />, 403);
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: isHttps(c) });
    return c.redirect('/', 303);
  });
  return app;
}
