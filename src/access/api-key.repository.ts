/**
 * API keys stored in the database (`cpt keys`). A key is `cpt_` + 32 random bytes (base64url);
 * only its SHA-256 and a short visible prefix are kept, so a database dump cannot be replayed as
 * a key, and a listing can still tell keys apart.
 * @module
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { sha256Hex } from '../domain/sha256.js';

export const API_KEY_PREFIX = 'cpt_';
/** Characters of a key shown in listings: `cpt_` and 8 more (48 bits, enough to tell keys apart). */
const VISIBLE_CHARS = 12;
/** Names appear in audit fields (`reviewed_by`, `created_by`) and logs: plain and short. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export class ApiKeyError extends Error {
  override name = 'ApiKeyError';
}

export interface ApiKeyInfo {
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** A new random key. */
export function newApiKey(): string {
  return API_KEY_PREFIX + Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
}

export function apiKeyHash(key: string): Promise<string> {
  return sha256Hex(key);
}

/** Whether a presented string has the shape of a stored key (only those are looked up). */
export function looksLikeStoredKey(presented: string): boolean {
  return presented.startsWith(API_KEY_PREFIX) && presented.length <= 64;
}

export function checkApiKeyName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new ApiKeyError(`"${name}" is not a key name: 1–64 letters, digits, ".", "_", "-" or "@", starting with a letter or digit`);
  }
}

/**
 * Creates a key and returns it; this is the only time it exists outside the client.
 * @throws {ApiKeyError} for a bad name or when an active key already has the name.
 */
export async function createApiKey(db: Kysely<Database>, name: string): Promise<{ key: string; info: ApiKeyInfo }> {
  checkApiKeyName(name);
  const key = newApiKey();
  const row = await db
    .insertInto('api_keys')
    .values({ name, key_hash: await apiKeyHash(key), prefix: key.slice(0, VISIBLE_CHARS) })
    // the partial unique index (one active key per name) decides, also between concurrent commands
    .onConflict((oc) => oc.column('name').where('revoked_at', 'is', null).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new ApiKeyError(`an active key is already named "${name}"; revoke it first or pick another name`);
  return { key, info: toInfo(row) };
}

/** Every stored key, active ones first, then by name; never the key. */
export async function listApiKeys(db: Kysely<Database>): Promise<ApiKeyInfo[]> {
  const rows = await db
    .selectFrom('api_keys')
    .selectAll()
    .orderBy(sql`revoked_at is not null`)
    .orderBy('name')
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map(toInfo);
}

/** Revokes the active key of that name. @returns its visible prefix, or null when there is none. */
export async function revokeApiKey(db: Kysely<Database>, name: string): Promise<string | null> {
  const row = await db
    .updateTable('api_keys')
    .set({ revoked_at: sql<Date>`now()` })
    .where('name', '=', name)
    .where('revoked_at', 'is', null)
    .returning('prefix')
    .executeTakeFirst();
  return row?.prefix ?? null;
}

/** The active key with this hash. */
export async function findActiveApiKey(db: Kysely<Database>, keyHash: string): Promise<{ id: number; name: string } | undefined> {
  return db
    .selectFrom('api_keys')
    .select(['id', 'name'])
    .where('key_hash', '=', keyHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

/** Records a use, unless one was recorded less than `everySeconds` ago (by any instance). */
export async function touchApiKey(db: Kysely<Database>, id: number, everySeconds: number): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ last_used_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', sql<Date>`now() - make_interval(secs => ${everySeconds})`)]))
    .execute();
}

function toInfo(row: { name: string; prefix: string; created_at: Date; last_used_at: Date | null; revoked_at: Date | null }): ApiKeyInfo {
  const date = (v: Date | string | null) => (v === null ? null : new Date(v));
  return { name: row.name, prefix: row.prefix, createdAt: date(row.created_at)!, lastUsedAt: date(row.last_used_at), revokedAt: date(row.revoked_at) };
}
