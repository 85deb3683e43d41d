/**
 * Who is calling, and how often: every `/api/*` request is identified by its API key (when it
 * presents one) or else by its address, counted against `CPT_API_RATE_LIMIT` per minute, and
 * with `CPT_READ_AUTH=1` refused without a valid key. A presented key that is not valid is a 401
 * everywhere, so a client never silently falls back to the anonymous limit.
 * @module
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { rateLimiter } from 'hono-rate-limiter';
import type { ApiAccess } from '../config.js';
import type { Authenticate } from './api-keys.js';
import type { AppEnv } from './app-env.js';
import { checkAuthorization, unauthorized } from './auth.js';
import { problemJson } from './problem.js';

const WINDOW_MS = 60_000;

/**
 * The client's address: the socket's peer, or with `trustProxy` the last `X-Forwarded-For` entry
 * (the address the one reverse proxy in front of us saw; entries before it are the client's own
 * say and can be forged). Where the runtime has no socket (Cloudflare Workers), the platform's
 * `CF-Connecting-IP`, which Cloudflare sets itself; else `unknown` (`app.request` in tests).
 */
export function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const last = c.req.header('x-forwarded-for')?.split(',').map((s) => s.trim()).filter(Boolean).at(-1);
    if (last) return last;
  }
  try {
    const address = getConnInfo(c).remote.address;
    if (address) return address;
  } catch {
    // no Node socket: not running under @hono/node-server
  }
  return c.req.header('cf-connecting-ip') ?? 'unknown';
}

/** Rate limit per client: key name when authenticated, else address. Fixed one-minute windows. */
function perClientLimit(access: ApiAccess): MiddlewareHandler<AppEnv> {
  const limit = access.rateLimitPerMinute;
  return rateLimiter<AppEnv>({
    windowMs: WINDOW_MS,
    limit,
    // RateLimit-Limit, -Remaining, -Reset and -Policy on every answer; Retry-After on a 429
    standardHeaders: 'draft-6',
    keyGenerator: (c) => {
      const name = c.get('apiKeyName');
      return name ? `key:${name}` : `ip:${clientAddress(c, access.trustProxy)}`;
    },
    handler: (c) => {
      const wait = c.res.headers.get('retry-after') ?? '60';
      return problemJson(c, 429, `more than ${limit} requests a minute from this client; retry after ${wait} s`);
    },
  });
}

/**
 * The gate in front of a group of routes: identify the key, count the request (when `rateLimit`),
 * then refuse a bad key, or a missing one when reads need a key.
 */
export function accessGate(deps: { authenticate: Authenticate; access?: ApiAccess | undefined }, options: { rateLimit: boolean }): MiddlewareHandler<AppEnv> {
  const access = deps.access;
  const limiter = options.rateLimit && access && access.rateLimitPerMinute > 0 ? perClientLimit(access) : null;
  const readAuth = access?.readAuth ?? false;
  return async function accessGate(c, next) {
    const check = await checkAuthorization(c.req.header('authorization'), deps.authenticate);
    if (check.kind === 'valid') c.set('apiKeyName', check.name);
    const gate = async () => {
      if (check.kind === 'invalid' || (readAuth && check.kind === 'none')) throw unauthorized(check, 'with CPT_READ_AUTH=1 every API request');
      await next();
    };
    if (!limiter) return gate();
    return limiter(c, gate);
  };
}
