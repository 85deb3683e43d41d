/**
 * Webhooks as the Standard Webhooks spec describes them: a JSON body
 * `{"type","timestamp","data"}`, headers `webhook-id` (the same on every attempt), `webhook-timestamp`
 * (seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` keyed with
 * the base64-decoded part of the `whsec_…` secret. Also the guard against server-side request
 * forgery: https only, and never an address on a private, loopback or link-local network.
 * @module
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** A new signing secret: `whsec_` + 24 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64')}`;
}

function secretBytes(secret: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(secret.replace(/^whsec_/, ''), 'base64'));
}

/** `v1,<base64 signature>` of `{id}.{timestamp}.{body}`. */
export async function signWebhook(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', secretBytes(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
  return `v1,${Buffer.from(mac).toString('base64')}`;
}

/**
 * What a receiver does (and what the tests do): recompute the signature and compare, and refuse
 * timestamps more than `toleranceSeconds` away.
 */
export async function verifyWebhook(
  secret: string,
  headers: { id: string; timestamp: string; signature: string },
  body: string,
  toleranceSeconds = 300,
  now: number = Date.now(),
): Promise<boolean> {
  const ts = Number(headers.timestamp);
  if (!Number.isInteger(ts) || Math.abs(now / 1000 - ts) > toleranceSeconds) return false;
  const expected = await signWebhook(secret, headers.id, ts, body);
  // several signatures may be sent, space-separated, during a key rotation
  return headers.signature.split(' ').some((s) => s === expected);
}

export class UnsafeWebhookUrlError extends Error {
  override name = 'UnsafeWebhookUrlError';
}

function ipv4Private(ip: string): boolean {
  const [a, b] = ip.split('.').map(Number) as [number, number];
  return (
    a === 10 ||
    a === 127 ||
    a === 0 ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT
    a >= 224 // multicast and reserved
  );
}

/** Loopback, private, link-local, unique-local, multicast and unspecified addresses. */
export function isPrivateAddress(ip: string): boolean {
  const plain = ip.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(plain) === 4) return ipv4Private(plain);
  if (isIP(plain) !== 6) return true;
  if (plain === '::1' || plain === '::') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(plain);
  if (mapped) return ipv4Private(mapped[1]!);
  return /^(fe[89ab]|fc|fd|ff)/.test(plain);
}

export type Resolver = (host: string) => Promise<string[]>;

export const systemResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Checks a webhook URL before it is stored and before every send (DNS can change).
 * @param allowPrivate `CPT_WEBHOOK_ALLOW_PRIVATE=1`: self-hosted receivers and tests (plain http too)
 * @throws {UnsafeWebhookUrlError} saying why
 */
export async function assertSafeWebhookUrl(raw: string, allowPrivate: boolean, resolve: Resolver = systemResolver): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeWebhookUrlError(`"${raw}" is not a URL`);
  }
  if (url.username || url.password) throw new UnsafeWebhookUrlError('webhook URLs must not carry credentials');
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) {
    throw new UnsafeWebhookUrlError(`webhook URLs must use https (got ${url.protocol.replace(':', '')})`);
  }
  if (allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : await resolve(host).catch(() => {
    throw new UnsafeWebhookUrlError(`cannot resolve ${host}`);
  });
  const bad = addresses.find(isPrivateAddress);
  if (bad || addresses.length === 0) {
    throw new UnsafeWebhookUrlError(`${host} resolves to ${bad ?? 'nothing'}, a private, loopback or link-local address`);
  }
  return url;
}
