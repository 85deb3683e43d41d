/**
 * The one place that decides whether a presented API key is valid: the keys of `CPT_API_KEYS`
 * (compared in constant time) and the active keys stored by `cpt keys create` (looked up by their
 * SHA-256). A revoked stored key is refused from the next request on, in every instance.
 * @module
 */
import type { Kysely } from 'kysely';
import { apiKeyHash, findActiveApiKey, looksLikeStoredKey, touchApiKey } from '../access/api-key.repository.js';
import type { ApiKey } from '../config.js';
import type { Database } from '../db/schema.js';
import { matchApiKey } from './auth.js';

/** @returns the name of the key, or null when the key is not valid. */
export type Authenticate = (presented: string) => Promise<string | null>;

export interface AuthenticatorOptions {
  /** `last_used_at` is written at most this often per key (default 60 s): one write a minute, not one a request. */
  touchEverySeconds?: number;
}

export function apiKeyAuthenticator(db: Kysely<Database>, configKeys: readonly ApiKey[], options: AuthenticatorOptions = {}): Authenticate {
  const every = options.touchEverySeconds ?? 60;
  const touchedAt = new Map<number, number>();
  return async function authenticate(presented) {
    const configured = await matchApiKey(configKeys, presented);
    if (configured) return configured;
    if (!looksLikeStoredKey(presented)) return null;
    const row = await findActiveApiKey(db, await apiKeyHash(presented));
    if (!row) return null;
    const now = Date.now();
    if (now - (touchedAt.get(row.id) ?? -Infinity) >= every * 1000) {
      touchedAt.set(row.id, now);
      await touchApiKey(db, row.id, every);
    }
    return row.name;
  };
}
