/**
 * Name resolution for the webhook guard on Workers, which have no `node:dns` lookup: DNS over
 * HTTPS (JSON API, A and AAAA records). The guard still refuses names that resolve to private,
 * loopback or link-local addresses; fetch from Workers cannot reach those anyway.
 * @module
 */
import type { Resolver } from '../alerts/webhook.js';

const DEFAULT_ENDPOINT = 'https://cloudflare-dns.com/dns-query';

interface DohAnswer {
  Status?: number;
  Answer?: Array<{ type: number; data: string }>;
}

/** A `Resolver` over a DoH endpoint (Cloudflare's by default). */
export function dohResolver(endpoint = DEFAULT_ENDPOINT, fetcher: typeof fetch = (input, init) => fetch(input, init)): Resolver {
  return async (host) => {
    const addresses: string[] = [];
    for (const [type, code] of [['A', 1], ['AAAA', 28]] as const) {
      const response = await fetcher(`${endpoint}?name=${encodeURIComponent(host)}&type=${type}`, {
        headers: { accept: 'application/dns-json' },
        signal: AbortSignal.timeout(5_000),
      });
      if (!response.ok) throw new Error(`DNS over HTTPS answered HTTP ${response.status}`);
      const answer = (await response.json()) as DohAnswer;
      for (const record of answer.Answer ?? []) if (record.type === code) addresses.push(record.data);
    }
    return addresses;
  };
}
