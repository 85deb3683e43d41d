/**
 * API keys: `Authorization: Bearer <key>`. Whether a key is valid is decided in one place
 * (`api-keys.ts`, `AppDeps.authenticate`); here the header is read and turned into a key name on
 * the context (for audit fields and logs) or a 401. The key itself is never logged.
 * @module
 */
import type { MiddlewareHandler } from 'hono';
import { timingSafeEqual } from 'hono/utils/buffer';
import type { ApiKey } from '../config.js';
import type { Authenticate } from './api-keys.js';
import type { AppEnv } from './app-env.js';
import { ProblemException } from './problem.js';

/** @returns the name of the matching key, or null. Every key is compared, so timing tells nothing. */
export async function matchApiKey(keys: readonly ApiKey[], presented: string): Promise<string | null> {
  let match: string | null = null;
  for (const key of keys) {
    if ((await timingSafeEqual(key.key, presented)) && match === null) match = key.name;
  }
  return match;
}

/** What the `Authorization` header of a request says about its client. */
export type KeyCheck = { kind: 'none' } | { kind: 'valid'; name: string } | { kind: 'invalid'; detail: string };

export async function checkAuthorization(header: string | undefined, authenticate: Authenticate): Promise<KeyCheck> {
  if (header === undefined || header.trim() === '') return { kind: 'none' };
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) return { kind: 'invalid', detail: 'the Authorization header must be: Bearer <key>' };
  const name = await authenticate(m[1]!);
  return name ? { kind: 'valid', name } : { kind: 'invalid', detail: 'the API key is not valid' };
}

/** The 401 for a request without a valid key, with the Bearer challenge. */
export function unauthorized(check: Exclude<KeyCheck, { kind: 'valid' }>, what = 'this endpoint'): ProblemException {
  const detail = check.kind === 'none' ? `${what} needs an API key: Authorization: Bearer <key>` : check.detail;
  return new ProblemException(401, detail, undefined, { 'www-authenticate': 'Bearer realm="cpt"' });
}

/** Write endpoints: a valid key, or 401. A key already checked for this request is not checked again. */
export function requireApiKey(authenticate: Authenticate): MiddlewareHandler<AppEnv> {
  return async function requireApiKey(c, next) {
    if (!c.get('apiKeyName')) {
      const check = await checkAuthorization(c.req.header('authorization'), authenticate);
      if (check.kind !== 'valid') throw unauthorized(check);
      c.set('apiKeyName', check.name);
    }
    await next();
  };
}
