/**
 * Configuration read from environment variables, validated once at start-up.
 * Every variable is documented in the README's configuration table; keep the two in step.
 * @module
 */
import { validate } from 'node-cron';
import { z } from 'zod';
import { parseDurations } from './alerts/durations.js';
import { isSectorCode, SECTOR_CODES } from './domain/sector.js';

/** Thrown when an environment variable has a value the product cannot use. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const intFrom = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be an integer from ${min} to ${max}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

const flag = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      if (['1', 'true', 'yes', 'on'].includes(v.toLowerCase())) return true;
      if (['0', 'false', 'no', 'off'].includes(v.toLowerCase())) return false;
      ctx.addIssue({ code: 'custom', message: `must be 1 or 0, got "${v}"` });
      return z.NEVER;
    });

/**
 * `CPT_HOST_MAP="www.gov.cn=http://127.0.0.1:9001,www.most.gov.cn=http://127.0.0.1:9002"`:
 * requests for a host go to another origin, while stored URLs keep the canonical form.
 */
export function parseHostMap(value: string | undefined): Map<string, URL> {
  const map = new Map<string, URL>();
  if (!value?.trim()) return map;
  for (const entry of value.split(',')) {
    const trimmed = entry.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw new ConfigError(`CPT_HOST_MAP: "${trimmed}" is not host=origin`);
    const host = trimmed.slice(0, eq).trim().toLowerCase();
    let origin: URL;
    try {
      origin = new URL(trimmed.slice(eq + 1).trim());
    } catch {
      throw new ConfigError(`CPT_HOST_MAP: "${trimmed.slice(eq + 1)}" is not a URL (for host ${host})`);
    }
    if (origin.protocol !== 'http:' && origin.protocol !== 'https:') {
      throw new ConfigError(`CPT_HOST_MAP: origin for ${host} must be http(s), got ${origin.protocol}`);
    }
    map.set(host, origin);
  }
  return map;
}

/**
 * `CPT_RATE_LIMITS='{"*":1,"sousuo.www.gov.cn":0.2}'`: requests per second per host; `*` is the default.
 */
export function parseRateLimits(value: string | undefined): Map<string, number> {
  const limits = new Map<string, number>([['*', 1]]);
  if (!value?.trim()) return limits;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ConfigError(`CPT_RATE_LIMITS must be a JSON object of host → requests per second, got ${value}`);
  }
  const shape = z.record(z.string(), z.number().positive().max(1000));
  const result = shape.safeParse(parsed);
  if (!result.success) {
    throw new ConfigError(`CPT_RATE_LIMITS: every value must be a number of requests per second (0 < n ≤ 1000)`);
  }
  for (const [host, rps] of Object.entries(result.data)) limits.set(host.toLowerCase(), rps);
  return limits;
}

function durations(name: string, value: string): number[] {
  try {
    return parseDurations(value);
  } catch (error) {
    throw new ConfigError(`${name}: ${(error as Error).message}`);
  }
}

function cronExpression(name: string, value: string): string {
  if (!validate(value)) throw new ConfigError(`${name}: "${value}" is not a cron expression`);
  return value;
}

/** `CPT_SCHEDULES` (JSON of source id to cron expression or `off`): per-source schedule overrides. */
export function parseSchedules(value: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!value?.trim()) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ConfigError(`CPT_SCHEDULES must be a JSON object of source id → cron expression, got ${value}`);
  }
  const result = z.record(z.string(), z.string()).safeParse(parsed);
  if (!result.success) throw new ConfigError('CPT_SCHEDULES: every value must be a cron expression string');
  // "off": the source is never scraped on schedule (still on demand)
  for (const [id, cron] of Object.entries(result.data)) out.set(id, cron.trim() === 'off' ? 'off' : cronExpression(`CPT_SCHEDULES.${id}`, cron));
  return out;
}

/** `CPT_SECTOR_ORDER=health,energy,…`: digest sections in this order, the rest after them. */
export function parseSectorOrder(value: string | undefined): string[] {
  const codes = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = codes.filter((c) => !isSectorCode(c));
  if (unknown.length) throw new ConfigError(`CPT_SECTOR_ORDER: unknown sector ${unknown.join(', ')}; valid: ${SECTOR_CODES.join(', ')}`);
  return codes;
}

/** `CPT_STALE_DAYS='{"*":14,"most":30}'` or a bare number of days for every source. */
export function parseStaleDays(value: string | undefined): Map<string, number> {
  const days = new Map<string, number>();
  if (!value?.trim()) return days;
  if (/^\d+$/.test(value.trim())) return new Map([['*', Number(value.trim())]]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ConfigError(`CPT_STALE_DAYS must be a number of days or a JSON object of source id → days, got ${value}`);
  }
  const result = z.record(z.string(), z.number().int().positive().max(3650)).safeParse(parsed);
  if (!result.success) throw new ConfigError('CPT_STALE_DAYS: every value must be a whole number of days (1–3650)');
  for (const [id, n] of Object.entries(result.data)) days.set(id, n);
  return days;
}

/** One API key: `name:key` in `CPT_API_KEYS`, or a bare key (named `key1`, `key2` … by position). */
export interface ApiKey {
  name: string;
  key: string;
}

export function parseApiKeys(value: string | undefined): ApiKey[] {
  if (!value?.trim()) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const colon = entry.indexOf(':');
      if (colon > 0) return { name: entry.slice(0, colon), key: entry.slice(colon + 1) };
      return { name: `key${i + 1}`, key: entry };
    })
    .map((k) => {
      if (k.key.length < 16) throw new ConfigError(`CPT_API_KEYS: key "${k.name}" is shorter than 16 characters`);
      return k;
    });
}

const EnvSchema = z.object({
  PORT: intFrom(3000, 0, 65535),
  HOST: z.string().optional().default('127.0.0.1'),
  DATA_DIR: z.string().optional().default('./data'),
  DATABASE_URL: z.string().optional(),
  CPT_HOST_MAP: z.string().optional(),
  CPT_API_KEYS: z.string().optional(),
  CPT_READ_AUTH: flag(false),
  CPT_API_RATE_LIMIT: intFrom(600, 0, 1_000_000),
  CPT_TRUST_PROXY: flag(false),
  CPT_USER_AGENT: z.string().optional(),
  CPT_RATE_LIMITS: z.string().optional(),
  CPT_HTTP_TIMEOUT_MS: intFrom(20_000, 100, 600_000),
  CPT_HTTP_RETRIES: intFrom(3, 0, 10),
  CPT_HTTP_BACKOFF_MS: intFrom(1_000, 0, 600_000),
  CPT_HTTP_MAX_BYTES: intFrom(10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  CPT_ROBOTS: flag(true),
  CPT_BAN_PAUSE_MS: intFrom(60_000, 0, 3_600_000),
  CPT_BROWSER: flag(false),
  CPT_IMPORT_ARCHIVE: flag(true),
  CPT_STALE_DAYS: z.string().optional(),
  CPT_STOP_AFTER_KNOWN: intFrom(10, 1, 100_000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).optional().default('info'),
  CPT_SUMMARIZER: z.enum(['offline', 'openai']).optional().default('offline'),
  CPT_PUBLIC_URL: z.string().url().optional(),
  SMTP_URL: z.string().optional(),
  SMTP_FROM: z.string().optional().default('China Policy Tracker <cpt@localhost>'),
  CPT_RETRY_SCHEDULE: z.string().optional().default('5s,5m,30m,2h,5h,10h,10h'),
  CPT_WEBHOOK_ALLOW_PRIVATE: flag(false),
  CPT_WEBHOOK_TIMEOUT_MS: intFrom(10_000, 100, 120_000),
  CPT_DISABLE_AFTER: z.string().optional().default('3d'),
  CPT_SCHEDULER: flag(true),
  CPT_DIGEST_CRON: z.string().optional().default('0 9 * * 1'),
  CPT_DISPATCH_CRON: z.string().optional().default('*/5 * * * * *'),
  CPT_SCHEDULES: z.string().optional(),
  CPT_SECTOR_ORDER: z.string().optional(),
  OPENAI_BASE_URL: z.string().url().optional().default('https://api.openai.com/v1'),
  OPENAI_API_KEY: z.string().optional(),
  CPT_LLM_MODEL: z.string().optional().default('gpt-4o-mini'),
  CPT_LLM_TIMEOUT_MS: intFrom(60_000, 100, 600_000),
  CPT_LLM_RETRIES: intFrom(2, 0, 10),
  CPT_LLM_INPUT_CHARS: intFrom(6_000, 500, 200_000),
});

export const PRODUCT_VERSION = '0.1.0';
export const DEFAULT_USER_AGENT = `ChinaPolicyTracker/${PRODUCT_VERSION} (policy notice tracker; respects robots.txt)`;

/** Who may use the API and how often (`CPT_READ_AUTH`, `CPT_API_RATE_LIMIT`, `CPT_TRUST_PROXY`). */
export interface ApiAccess {
  /** Reads under `/api/*` (and `/metrics`) need a key too; otherwise only writes do. */
  readAuth: boolean;
  /** Requests per minute per client (key name, else address) on `/api/*`; 0 = no limit. */
  rateLimitPerMinute: number;
  /** Take the client address from the last `X-Forwarded-For` entry (behind one reverse proxy). */
  trustProxy: boolean;
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  hostMap: Map<string, URL>;
  apiKeys: ApiKey[];
  access: ApiAccess;
  http: {
    userAgent: string;
    rateLimits: Map<string, number>;
    timeoutMs: number;
    retries: number;
    backoffMs: number;
    maxBytes: number;
    robots: boolean;
    banPauseMs: number;
  };
  /** Sources that need a browser are read through Debian's chromium (playwright-core) only when set. */
  browser: boolean;
  /** Import the bundled archive of real notices when `npm start` finds an empty store. */
  importArchive: boolean;
  /** Days without a new notice after which a source is flagged stale (per source id, `*` default). */
  staleDays: Map<string, number>;
  /** Incremental scrapes stop after this many consecutive list items that are already stored. */
  stopAfterKnown: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  summarizer: 'offline' | 'openai';
  /** Absolute base of links in e-mails and feeds; `http://HOST:PORT` when unset. */
  publicUrl: string | null;
  smtp: { url: string | null; from: string };
  alerts: {
    retrySchedule: number[];
    allowPrivate: boolean;
    timeoutMs: number;
    disableAfterMs: number;
  };
  scheduler: {
    enabled: boolean;
    digestCron: string;
    dispatchCron: string;
    /** Source id → cron, overriding a source's own schedule. */
    sources: Map<string, string>;
  };
  /** Section order of digests (sector codes); the taxonomy order by default. */
  sectorOrder: string[];
  llm: {
    baseUrl: string;
    /** Never logged. */
    apiKey: string | undefined;
    model: string;
    timeoutMs: number;
    retries: number;
    /** Budget of body characters sent to the model (the start and the numbered sections are kept). */
    inputChars: number;
  };
}

/**
 * Reads and validates the configuration.
 * @throws {ConfigError} naming the variable and what is wrong with it.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL?.trim() || undefined,
    hostMap: parseHostMap(e.CPT_HOST_MAP),
    apiKeys: parseApiKeys(e.CPT_API_KEYS),
    access: { readAuth: e.CPT_READ_AUTH, rateLimitPerMinute: e.CPT_API_RATE_LIMIT, trustProxy: e.CPT_TRUST_PROXY },
    http: {
      userAgent: e.CPT_USER_AGENT?.trim() || DEFAULT_USER_AGENT,
      rateLimits: parseRateLimits(e.CPT_RATE_LIMITS),
      timeoutMs: e.CPT_HTTP_TIMEOUT_MS,
      retries: e.CPT_HTTP_RETRIES,
      backoffMs: e.CPT_HTTP_BACKOFF_MS,
      maxBytes: e.CPT_HTTP_MAX_BYTES,
      robots: e.CPT_ROBOTS,
      banPauseMs: e.CPT_BAN_PAUSE_MS,
    },
    browser: e.CPT_BROWSER,
    importArchive: e.CPT_IMPORT_ARCHIVE,
    staleDays: parseStaleDays(e.CPT_STALE_DAYS),
    stopAfterKnown: e.CPT_STOP_AFTER_KNOWN,
    logLevel: e.LOG_LEVEL,
    summarizer: e.CPT_SUMMARIZER,
    publicUrl: e.CPT_PUBLIC_URL?.replace(/\/+$/, '') ?? null,
    smtp: { url: e.SMTP_URL?.trim() || null, from: e.SMTP_FROM },
    alerts: {
      retrySchedule: durations('CPT_RETRY_SCHEDULE', e.CPT_RETRY_SCHEDULE),
      allowPrivate: e.CPT_WEBHOOK_ALLOW_PRIVATE,
      timeoutMs: e.CPT_WEBHOOK_TIMEOUT_MS,
      disableAfterMs: durations('CPT_DISABLE_AFTER', e.CPT_DISABLE_AFTER)[0]!,
    },
    scheduler: {
      enabled: e.CPT_SCHEDULER,
      digestCron: cronExpression('CPT_DIGEST_CRON', e.CPT_DIGEST_CRON),
      dispatchCron: cronExpression('CPT_DISPATCH_CRON', e.CPT_DISPATCH_CRON),
      sources: parseSchedules(e.CPT_SCHEDULES),
    },
    sectorOrder: parseSectorOrder(e.CPT_SECTOR_ORDER),
    llm: {
      baseUrl: e.OPENAI_BASE_URL.replace(/\/+$/, ''),
      apiKey: e.OPENAI_API_KEY?.trim() || undefined,
      model: e.CPT_LLM_MODEL,
      timeoutMs: e.CPT_LLM_TIMEOUT_MS,
      retries: e.CPT_LLM_RETRIES,
      inputChars: e.CPT_LLM_INPUT_CHARS,
    },
  };
}
