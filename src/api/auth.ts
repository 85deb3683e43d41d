/**
 * API keys for write endpoints: `Authorization: Bearer <key>`, compared in constant time.
 * The name of the key that authorised a request is set on the context (for audit fields);
 * the key itself is never logged.
 * @module
 */
import type { MiddlewareHandler } from 'hono';
import { timingSafeEqual } from 'hono/utils/buffer';
import type { ApiKey } from '../config.js';
import type { AppEnv } from './app-env.js';
import { ProblemException } from './problem.js';

/** @returns the name of the matching key, or null. Every key is compared, so timing tells nothing. */
export async function matchApiKey(keys: ApiKey[], presented: string): Promise<string | null> {
  let match: string | null = null;
  for (const key of keys) {
    if ((await timingSafeEqual(key.key, presented)) && match === null) match = key.name;
  }
  return match;
}

export function requireApiKey(keys: () => ApiKey[]): MiddlewareHandler<AppEnv> {
  return async function requireApiKey(c, next) {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const challenge = { 'www-authenticate': 'Bearer realm="cpt"' };
    if (!m) throw new ProblemException(401, 'this endpoint needs an API key: Authorization: Bearer <key>', undefined, challenge);
    const name = await matchApiKey(keys(), m[1]!);
    if (!name) throw new ProblemException(401, 'the API key is not valid', undefined, challenge);
    c.set('apiKeyName', name);
    await next();
  };
}
