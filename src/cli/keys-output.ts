/**
 * `cpt keys list`: one line per stored key (never the key itself), and the names of the
 * `CPT_API_KEYS` keys, which live in the environment rather than the database.
 * @module
 */
import type { ApiKeyInfo } from '../access/api-key.repository.js';

const when = (d: Date | null) => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : '—');

export function printApiKeys(keys: ApiKeyInfo[], configNames: string[], json: boolean, out: (line: string) => void = console.log): void {
  if (json) {
    out(
      JSON.stringify(
        keys.map((k) => ({
          name: k.name,
          prefix: k.prefix,
          created_at: k.createdAt.toISOString(),
          last_used_at: k.lastUsedAt?.toISOString() ?? null,
          revoked_at: k.revokedAt?.toISOString() ?? null,
        })),
        null,
        2,
      ),
    );
    return;
  }
  if (keys.length === 0) out('no stored API keys (`cpt keys create NAME` makes one)');
  else {
    const width = Math.max(4, ...keys.map((k) => k.name.length));
    out(`${'name'.padEnd(width)}  ${'prefix'.padEnd(13)}  ${'created'.padEnd(20)}  ${'last used'.padEnd(20)}  revoked`);
    for (const k of keys) {
      out(`${k.name.padEnd(width)}  ${`${k.prefix}…`.padEnd(13)}  ${when(k.createdAt).padEnd(20)}  ${when(k.lastUsedAt).padEnd(20)}  ${k.revokedAt ? when(k.revokedAt) : 'active'}`);
    }
  }
  if (configNames.length) out(`CPT_API_KEYS (environment, not listed above): ${configNames.join(', ')}`);
}
