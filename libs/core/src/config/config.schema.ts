import { isIP } from 'node:net';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Durations like `15m`, `7d`, `30s`, `2h` or a bare number of seconds. */
export function parseDurationSeconds(value: string): number | undefined {
  const match = /^(\d+)\s*(s|m|h|d)?$/.exec(value.trim());
  if (!match) return undefined;
  const n = Number(match[1]);
  const unit = match[2] ?? 's';
  const factor = { s: 1, m: 60, h: 3600, d: 86400 }[unit] ?? 1;
  return n * factor;
}

const duration = z.string().transform((v, ctx) => {
  const seconds = parseDurationSeconds(v);
  if (seconds === undefined || seconds <= 0) {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as 15m, 7d or 3600, got "${v}"` });
    return z.NEVER;
  }
  return seconds;
});

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

/**
 * INGEST_ALLOW_PRIVATE_NETWORKS: `false` (default), `true`, or a comma-separated allow-list of CIDR
 * ranges (`10.0.0.0/8`, `fd00::/8`), single addresses (`192.168.1.20`) and exact `address:port`
 * pairs (`127.0.0.1:8080`, `[::1]:8080`).
 */
const privateNetworks = z.string().transform((v, ctx) => {
  const value = v.trim().toLowerCase();
  if (['false', '0', 'no', ''].includes(value)) return { all: false, entries: [] as string[] };
  if (['true', '1', 'yes'].includes(value)) return { all: true, entries: [] as string[] };
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const bad = entries.filter((e) => !isNetworkEntry(e));
  if (bad.length) {
    ctx.addIssue({
      code: 'custom',
      message: `expected true, false or a comma-separated list of CIDR ranges, addresses or address:port; not ${bad.join(', ')}`,
    });
    return z.NEVER;
  }
  return { all: false, entries };
});

function isNetworkEntry(entry: string): boolean {
  const cidr = /^([^/]+)\/(\d{1,3})$/.exec(entry);
  if (cidr) {
    const family = isIP(cidr[1]);
    return family !== 0 && Number(cidr[2]) <= (family === 4 ? 32 : 128);
  }
  if (isIP(entry)) return true;
  const withPort = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(entry);
  return !!withPort && isIP(withPort[1] ?? withPort[2]) !== 0 && Number(withPort[3]) <= 65535;
}

/**
 * TRUST_PROXY: off (default) or which proxies in front of the api may name the client with
 * X-Forwarded-For: a hop count (`1`: the nearest one, whatever its address) or comma-separated proxy
 * addresses and CIDR ranges. `true` is refused: it lets any client choose its address.
 */
const trustProxy = z.string().transform((v, ctx): false | number | string[] => {
  const value = v.trim().toLowerCase();
  if (['false', '0', 'no', 'off', ''].includes(value)) return false;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const bad = entries.filter((e) => !isProxyEntry(e));
  if (bad.length) {
    ctx.addIssue({
      code: 'custom',
      message:
        `expected false, a hop count or comma-separated proxy addresses or CIDR ranges; not ${bad.join(', ')}` +
        (value === 'true' ? ' (true would let any client choose its address)' : ''),
    });
    return z.NEVER;
  }
  return entries;
});

function isProxyEntry(entry: string): boolean {
  const cidr = /^([^/]+)\/(\d{1,3})$/.exec(entry);
  if (!cidr) return isIP(entry) !== 0;
  const family = isIP(cidr[1]);
  return family !== 0 && Number(cidr[2]) <= (family === 4 ? 32 : 128);
}

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `expected a URL starting with ${protocols.map((p) => p + '//').join(' or ')}` },
  );

/** The raw environment, as documented in CONTRACT.md and .env.example. */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/labwire'),
  DATABASE_POOL_SIZE: positiveInt.default(10),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  /** default: derived from the database name (defaultRedisPrefix), so checkouts sharing a Redis stay apart */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_{}-]+$/)
    .optional(),
  MQTT_URL: url(['mqtt:', 'mqtts:', 'ws:', 'wss:']).default('mqtt://127.0.0.1:1884'),
  MQTT_USERNAME: z.string().min(1).default('labwire'),
  MQTT_PASSWORD: z.string().optional(),
  /** the api's MQTT client id: its persistent session (unacknowledged messages wait for it across restarts) */
  MQTT_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'expected 1-64 letters, digits or _ . : -')
    .optional(),
  /**
   * empty: the bridge subscribes exclusively (one bridge; the broker keeps the subscription across its
   * restarts); a group name: shared subscriptions that several bridge replicas split
   */
  MQTT_SHARE_GROUP: z
    .string()
    .regex(/^([A-Za-z0-9_-]{1,64})?$/, 'expected empty, or 1-64 letters, digits, _ or -')
    .default(''),
  MQTT_SESSION_EXPIRY: duration.default(86400),
  MQTT_RECEIVE_MAXIMUM: z.coerce.number().int().min(1).max(65535).default(20000),
  /** telemetry messages per second one instrument may send on average (0: no limit); the rest are dropped */
  MQTT_INSTRUMENT_MAX_MESSAGES_PER_S: z.coerce.number().min(0).max(1_000_000).default(100),
  /** messages an instrument may send at once above its rate (the token bucket's size): sized for a bridge outage's backlog */
  MQTT_INSTRUMENT_BURST: z.coerce.number().int().min(1).max(10_000_000).default(10_000),
  /** whether the api runs the MQTT bridge (false: a separate `npm run start:bridge` process does) */
  API_MQTT_BRIDGE: bool.default(true),
  /** health and metrics port of the bridge process (npm run start:bridge) */
  BRIDGE_PORT: port.default(3002),
  TELEMETRY_BATCH_SIZE: z.coerce.number().int().min(1).max(50000).default(5000),
  TELEMETRY_LINGER_MS: z.coerce.number().int().min(0).max(10000).default(20),
  /** readings the bridge holds (gathering and being queued) before it waits: the bound of its memory */
  TELEMETRY_BRIDGE_MAX_PENDING_READINGS: z.coerce.number().int().min(1).max(10_000_000).default(100_000),
  /** how often the bridge writes per-instrument drop counts to the database (and emits drop events) */
  TELEMETRY_DROPS_FLUSH_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  /** largest REST telemetry backfill body (JSON or CSV) */
  TELEMETRY_BACKFILL_MAX_BYTES: positiveInt.default(10_485_760),
  /** most readings one REST telemetry backfill may hold */
  TELEMETRY_BACKFILL_MAX_POINTS: positiveInt.default(100_000),
  API_PORT: port.default(3000),
  API_HOST: z.string().min(1).default('0.0.0.0'),
  API_BODY_LIMIT_BYTES: positiveInt.default(1_048_576),
  /** time a client has to send a request's headers and body (a trickled body is cut with a 408) */
  API_REQUEST_TIMEOUT: duration.default(30),
  /** the same for routes that take uploads, CSV or other large bodies */
  API_UPLOAD_TIMEOUT: duration.default(600),
  TRUST_PROXY: trustProxy.default(false),
  /** a bearer token /metrics (api and worker) require when set */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** the platform admins' bull-board (signed in with a session cookie) */
  QUEUE_DASHBOARD: bool.default(true),
  /** where the api serves it */
  QUEUE_DASHBOARD_PATH: z
    .string()
    .regex(/^(\/[A-Za-z0-9_-]+)+$/, 'expected a path such as /admin/queues/ui (no trailing slash)')
    .refine(
      (p) => !/^\/(api|docs|health|metrics|openapi)(\/|$)/.test(p),
      'must not be under /api, /docs, /health or /metrics',
    )
    .default('/admin/queues/ui'),
  /** Server-Sent Event streams one user may hold open at once, over all api replicas */
  SSE_MAX_STREAMS_PER_USER: positiveInt.default(10),
  WORKER_PORT: port.default(3001),
  WORKER_CONCURRENCY: z.string().default(''),
  MAINTENANCE_INTERVAL: duration.default(3600),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_ACCESS_TTL: duration.default(15 * 60),
  JWT_REFRESH_TTL: duration.default(7 * 86400),
  JWT_ISSUER: z.string().min(1).default('labwire'),
  JWT_AUDIENCE: z.string().min(1).default('labwire-api'),
  ADMIN_EMAIL: z.email().default('admin@labwire.local'),
  ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  USERS_OPEN_REGISTRATION: bool.default(false),
  /** how a registered account becomes active: an admin approves it, its owner verifies the email, or both */
  USERS_APPROVAL_FLOW: z.enum(['admin', 'email', 'email+admin']).default('admin'),
  /** how long an email verification link stays valid */
  EMAIL_TOKEN_TTL: duration.default(86400),
  /** how long a password reset link stays valid */
  PASSWORD_RESET_TTL: duration.default(3600),
  /** how long a workspace invitation stays valid */
  INVITATION_TTL: duration.default(7 * 86400),
  /** outgoing mail server (nodemailer URL form); unset: mails are written to MAIL_DIR (not in production) */
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  /** sender of Labwire's mails */
  MAIL_FROM: z.string().min(3).optional(),
  /** where mails go as .eml files when SMTP_URL is unset */
  MAIL_DIR: z.string().min(1).default('./.data/mail'),
  /** the address people reach Labwire at: the base of the links in mails */
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  LOGIN_MAX_FAILURES: positiveInt.default(5),
  LOGIN_LOCKOUT: duration.default(15 * 60),
  LOGIN_IP_LIMIT_PER_MINUTE: positiveInt.default(30),
  /** failed sign-ins to one account from all addresses after which unfamiliar addresses are locked out */
  LOGIN_ACCOUNT_MAX_FAILURES: positiveInt.default(100),
  AUDIT_RETENTION: duration.default(365 * 86400),
  /** resolved alerts and alert history older than this are purged by the maintenance job */
  ALERT_HISTORY_RETENTION: duration.default(365 * 86400),
  STORAGE_URL: url(['file:', 's3:']).default('file://./.data/storage'),
  /** largest data source upload */
  DATASOURCE_MAX_BYTES: positiveInt.default(104_857_600),
  /** records per write of the ingestion job */
  INGEST_BATCH_SIZE: z.coerce.number().int().min(1).max(50_000).default(5000),
  /** share of bad rows (0..1) past which an ingestion fails */
  INGEST_MAX_ERROR_RATIO: z.coerce.number().min(0).max(1).default(0.1),
  INGEST_URL_TIMEOUT_MS: z.coerce.number().int().min(1).max(600_000).default(15_000),
  INGEST_URL_MAX_BYTES: positiveInt.default(10_485_760),
  INGEST_URL_MAX_REDIRECTS: z.coerce.number().int().min(0).max(20).default(5),
  INGEST_MAX_URLS: z.coerce.number().int().min(1).max(100_000).default(1000),
  /** most pages of a PDF data source; a longer one fails its ingestion naming this limit */
  INGEST_PDF_MAX_PAGES: z.coerce.number().int().min(1).max(1_000_000).default(2000),
  INGEST_ALLOW_PRIVATE_NETWORKS: privateNetworks.default({ all: false, entries: [] }),
  /** records a classification job classifies and commits per page */
  CLASSIFY_PAGE_SIZE: z.coerce.number().int().min(1).max(10_000).default(1000),
  /** labelled records a built-in classifier trains on at most (besides the scheme's examples) */
  CLASSIFY_MAX_TRAINING_RECORDS: z.coerce.number().int().min(0).max(1_000_000).default(20_000),
  /** SSRF allowance of HTTP classification endpoints (same syntax as INGEST_ALLOW_PRIVATE_NETWORKS) */
  CLASSIFY_ALLOW_PRIVATE_NETWORKS: privateNetworks.default({ all: false, entries: [] }),
  /** SSRF allowance of webhook notification channels (same syntax as INGEST_ALLOW_PRIVATE_NETWORKS) */
  NOTIFY_ALLOW_PRIVATE_NETWORKS: privateNetworks.default({ all: false, entries: [] }),
  /** how long a webhook receiver may take to answer one delivery attempt */
  NOTIFY_WEBHOOK_TIMEOUT: duration.default(10),
  /** encrypts secrets kept in the database (classification providers' API keys, webhook secrets) */
  /** most schedules one workspace may have */
  SCHEDULES_MAX_PER_WORKSPACE: z.coerce.number().int().min(1).max(100_000).default(100),
  /** shortest interval a schedule may have (tests and demos lower it) */
  SCHEDULES_MIN_INTERVAL_MS: z.coerce.number().int().min(1000).max(86_400_000).default(60_000),
  /** largest export document an import accepts (gzip bytes) */
  IMPORT_MAX_BYTES: positiveInt.default(10_737_418_240),
  /** requests per minute one client address may make to /api/v1/shared/… */
  SHARE_LINK_RATE_LIMIT_PER_MINUTE: positiveInt.default(120),
  /** encrypts secrets kept in the database (classification providers' API keys) */
  SECRETS_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  CORS_ORIGINS: z.string().default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_TIMEOUT: duration.default(25),
});

export type RawEnv = z.input<typeof envSchema>;
export type ParsedEnv = z.output<typeof envSchema>;
