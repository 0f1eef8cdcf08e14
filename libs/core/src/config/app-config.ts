import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { envSchema, ParsedEnv } from './config.schema';
import { ConfigError } from './config.error';

export const APP_CONFIG = Symbol('APP_CONFIG');

export interface AppConfig {
  env: ParsedEnv['NODE_ENV'];
  database: { url: string; poolSize: number };
  redis: { url: string; prefix: string };
  mqtt: {
    url: string;
    username: string;
    password?: string;
    /** the api's client id (its persistent session); defaults to labwire-api-<hostname> */
    clientId: string;
    /** the shared-subscription group api replicas split instrument messages in */
    /** shared-subscription group of the bridge replicas; undefined: exclusive subscriptions */
    shareGroup?: string;
    /** how long the broker keeps the api's session (and queues its messages) while it is away */
    sessionExpirySeconds: number;
    /** QoS 1 messages the broker may have in flight to one api replica before waiting for acks */
    receiveMaximum: number;
    /** per-instrument token bucket of the bridge: messages per second (0: off) and burst */
    instrumentRateLimit: { perSecond: number; burst: number };
  };
  telemetry: {
    /** readings per queued batch */
    batchSize: number;
    /** how long the bridge waits to fill a batch before queueing what it has */
    lingerMs: number;
    /** readings the bridge holds before it stops taking more (TELEMETRY_BRIDGE_MAX_PENDING_READINGS) */
    maxPendingReadings: number;
    /** how often per-instrument drop counts are written and announced (TELEMETRY_DROPS_FLUSH_MS) */
    dropsFlushMs: number;
    /** largest body of a REST backfill (TELEMETRY_BACKFILL_MAX_BYTES) */
    backfillMaxBytes: number;
    /** most readings in one REST backfill (TELEMETRY_BACKFILL_MAX_POINTS) */
    backfillMaxPoints: number;
  };
  api: {
    port: number;
    host: string;
    bodyLimitBytes: number;
    /** a request's headers and body must have arrived within this */
    requestTimeoutMs: number;
    /** the same for routes that take large bodies (@RouteBody) */
    uploadTimeoutMs: number;
    corsOrigins: string[];
    /** proxies allowed to name the client (X-Forwarded-For): false, a hop count, or addresses/CIDRs */
    trustProxy: false | number | string[];
    /** open Server-Sent Event streams per user (all replicas) */
    sseMaxStreamsPerUser: number;
    /** API_MQTT_BRIDGE: whether the api process runs the MQTT bridge */
    mqttBridge: boolean;
    /** QUEUE_DASHBOARD(_PATH): the admins' bull-board, and where it is served */
    queueDashboard: { enabled: boolean; path: string };
  };
  /** the MQTT bridge as its own process (npm run start:bridge): its health and metrics port */
  bridge: { port: number };
  worker: {
    port: number;
    /** jobs run at once per queue and worker process, from WORKER_CONCURRENCY (queue=number,…) */
    concurrency: Record<string, number>;
    /** how often the maintenance purge runs */
    maintenanceIntervalSeconds: number;
  };
  auth: {
    jwtSecret: string;
    /** true when no JWT_SECRET was given and a per-process one was generated */
    jwtSecretGenerated: boolean;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
    issuer: string;
    audience: string;
    openRegistration: boolean;
    loginMaxFailures: number;
    lockoutSeconds: number;
    loginIpLimitPerMinute: number;
    /** failures to one account (any address) past which addresses it never signed in from are locked out */
    loginAccountMaxFailures: number;
  };
  admin: { email: string; password?: string };
  accounts: {
    /** USERS_APPROVAL_FLOW: what makes a registered account active */
    approvalFlow: ParsedEnv['USERS_APPROVAL_FLOW'];
    emailTokenTtlSeconds: number;
    passwordResetTtlSeconds: number;
    invitationTtlSeconds: number;
  };
  mail: {
    /** SMTP_URL; null: mails are written as .eml files under `dir` (development and tests only) */
    smtpUrl: string | null;
    from: string;
    dir: string;
    /** base of the links in mails (PUBLIC_URL, default http://localhost:API_PORT), without a trailing slash */
    publicUrl: string;
  };
  retention: { auditSeconds: number; alertHistorySeconds: number };
  storage: { url: string };
  ingestion: {
    /** largest data source upload (DATASOURCE_MAX_BYTES) */
    maxUploadBytes: number;
    /** records per write */
    batchSize: number;
    /** share of bad rows past which an ingestion fails */
    maxErrorRatio: number;
    /** most URLs in one URL-list data source */
    maxUrls: number;
    /** most pages of a PDF data source */
    pdfMaxPages: number;
    url: { timeoutMs: number; maxBytes: number; maxRedirects: number };
    /** what the SSRF guard lets through besides public addresses */
    allowPrivateNetworks: { all: boolean; entries: string[] };
  };
  transfer: {
    /** largest import document (IMPORT_MAX_BYTES) */
    maxImportBytes: number;
    /** /shared requests per client address and minute (SHARE_LINK_RATE_LIMIT_PER_MINUTE) */
    shareRateLimitPerMinute: number;
  };
  classification: {
    /** records classified and committed per page of a job */
    pageSize: number;
    /** labelled records a built-in classifier trains on at most */
    maxTrainingRecords: number;
    /** what the SSRF guard lets HTTP classification endpoints reach besides public addresses */
    allowPrivateNetworks: { all: boolean; entries: string[] };
  };
  notifications: {
    /** what the SSRF guard lets webhook channels reach besides public addresses */
    allowPrivateNetworks: { all: boolean; entries: string[] };
    /** one webhook delivery attempt's deadline */
    webhookTimeoutMs: number;
  };
  /** SECRETS_KEY: encrypts provider API keys and webhook secrets at rest; null when not set */
  schedules: {
    /** most schedules per workspace (SCHEDULES_MAX_PER_WORKSPACE) */
    maxPerWorkspace: number;
    /** shortest interval (SCHEDULES_MIN_INTERVAL_MS) */
    minIntervalMs: number;
  };
  secretsKey: string | null;
  log: { level: ParsedEnv['LOG_LEVEL'] };
  /** METRICS_TOKEN: the bearer token /metrics (api and worker) require; null: open */
  metrics: { token: string | null };
  shutdownTimeoutSeconds: number;
}

function parseConcurrency(value: string): Record<string, number> {
  const result: Record<string, number> = {};
  for (const part of value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [queue, n] = part.split('=');
    const parsed = Number(n);
    if (!queue || !Number.isInteger(parsed) || parsed < 1) {
      throw new ConfigError([`WORKER_CONCURRENCY: expected "queue=number,…", got "${part}"`]);
    }
    result[queue.trim()] = parsed;
  }
  return result;
}

/**
 * Reads and validates the environment once. Any missing or malformed value throws a ConfigError
 * naming the variable, so a process never starts half-configured.
 */
/**
 * REDIS_KEY_PREFIX when unset: `labwire:<database name>`, so two checkouts (or deployments) with their own
 * databases on one Redis never run each other's queued and scheduled jobs. The default database keeps
 * the plain `labwire` it always had, so an existing deployment's queues stay where they are.
 */
export function defaultRedisPrefix(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''));
  if (!name || name === 'labwire') return 'labwire';
  return `labwire:${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production' && !e.JWT_SECRET) {
    throw new ConfigError(['JWT_SECRET: required when NODE_ENV=production (at least 32 characters)']);
  }
  // Accounts that become active by email must be able to get that email: a production process
  // writing mails to its disk would leave every new user stuck.
  if (e.NODE_ENV === 'production' && !e.SMTP_URL && e.USERS_APPROVAL_FLOW !== 'admin') {
    throw new ConfigError([
      `SMTP_URL: required when NODE_ENV=production and USERS_APPROVAL_FLOW=${e.USERS_APPROVAL_FLOW} (new accounts are verified by mail)`,
    ]);
  }
  if (e.NODE_ENV === 'production' && e.SMTP_URL && !e.MAIL_FROM) {
    throw new ConfigError([
      'MAIL_FROM: required with SMTP_URL when NODE_ENV=production (e.g. "Labwire <labwire@lab.example>")',
    ]);
  }
  return {
    env: e.NODE_ENV,
    database: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE },
    redis: { url: e.REDIS_URL, prefix: e.REDIS_KEY_PREFIX ?? defaultRedisPrefix(e.DATABASE_URL) },
    mqtt: {
      url: e.MQTT_URL,
      username: e.MQTT_USERNAME,
      password: e.MQTT_PASSWORD,
      clientId:
        e.MQTT_CLIENT_ID ??
        `labwire-api-${hostname()
          .replace(/[^A-Za-z0-9_.:-]/g, '-')
          .slice(0, 48)}`,
      shareGroup: e.MQTT_SHARE_GROUP || undefined,
      sessionExpirySeconds: e.MQTT_SESSION_EXPIRY,
      receiveMaximum: e.MQTT_RECEIVE_MAXIMUM,
      instrumentRateLimit: { perSecond: e.MQTT_INSTRUMENT_MAX_MESSAGES_PER_S, burst: e.MQTT_INSTRUMENT_BURST },
    },
    telemetry: {
      batchSize: e.TELEMETRY_BATCH_SIZE,
      lingerMs: e.TELEMETRY_LINGER_MS,
      maxPendingReadings: e.TELEMETRY_BRIDGE_MAX_PENDING_READINGS,
      dropsFlushMs: e.TELEMETRY_DROPS_FLUSH_MS,
      backfillMaxBytes: e.TELEMETRY_BACKFILL_MAX_BYTES,
      backfillMaxPoints: e.TELEMETRY_BACKFILL_MAX_POINTS,
    },
    api: {
      port: e.API_PORT,
      host: e.API_HOST,
      bodyLimitBytes: e.API_BODY_LIMIT_BYTES,
      requestTimeoutMs: e.API_REQUEST_TIMEOUT * 1000,
      uploadTimeoutMs: e.API_UPLOAD_TIMEOUT * 1000,
      corsOrigins: e.CORS_ORIGINS.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      trustProxy: e.TRUST_PROXY,
      sseMaxStreamsPerUser: e.SSE_MAX_STREAMS_PER_USER,
      mqttBridge: e.API_MQTT_BRIDGE,
      queueDashboard: { enabled: e.QUEUE_DASHBOARD, path: e.QUEUE_DASHBOARD_PATH },
    },
    bridge: { port: e.BRIDGE_PORT },
    worker: {
      port: e.WORKER_PORT,
      concurrency: parseConcurrency(e.WORKER_CONCURRENCY),
      maintenanceIntervalSeconds: e.MAINTENANCE_INTERVAL,
    },
    auth: {
      jwtSecret: e.JWT_SECRET ?? randomBytes(48).toString('base64url'),
      jwtSecretGenerated: !e.JWT_SECRET,
      accessTtlSeconds: e.JWT_ACCESS_TTL,
      refreshTtlSeconds: e.JWT_REFRESH_TTL,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      openRegistration: e.USERS_OPEN_REGISTRATION,
      loginMaxFailures: e.LOGIN_MAX_FAILURES,
      lockoutSeconds: e.LOGIN_LOCKOUT,
      loginIpLimitPerMinute: e.LOGIN_IP_LIMIT_PER_MINUTE,
      loginAccountMaxFailures: e.LOGIN_ACCOUNT_MAX_FAILURES,
    },
    admin: { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD },
    accounts: {
      approvalFlow: e.USERS_APPROVAL_FLOW,
      emailTokenTtlSeconds: e.EMAIL_TOKEN_TTL,
      passwordResetTtlSeconds: e.PASSWORD_RESET_TTL,
      invitationTtlSeconds: e.INVITATION_TTL,
    },
    mail: {
      smtpUrl: e.SMTP_URL ?? null,
      from: e.MAIL_FROM ?? 'Labwire <labwire@localhost>',
      dir: e.MAIL_DIR,
      publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.API_PORT}`).replace(/\/+$/, ''),
    },
    retention: { auditSeconds: e.AUDIT_RETENTION, alertHistorySeconds: e.ALERT_HISTORY_RETENTION },
    storage: { url: e.STORAGE_URL },
    ingestion: {
      maxUploadBytes: e.DATASOURCE_MAX_BYTES,
      batchSize: e.INGEST_BATCH_SIZE,
      maxErrorRatio: e.INGEST_MAX_ERROR_RATIO,
      maxUrls: e.INGEST_MAX_URLS,
      pdfMaxPages: e.INGEST_PDF_MAX_PAGES,
      url: {
        timeoutMs: e.INGEST_URL_TIMEOUT_MS,
        maxBytes: e.INGEST_URL_MAX_BYTES,
        maxRedirects: e.INGEST_URL_MAX_REDIRECTS,
      },
      allowPrivateNetworks: e.INGEST_ALLOW_PRIVATE_NETWORKS,
    },
    transfer: {
      maxImportBytes: e.IMPORT_MAX_BYTES,
      shareRateLimitPerMinute: e.SHARE_LINK_RATE_LIMIT_PER_MINUTE,
    },
    classification: {
      pageSize: e.CLASSIFY_PAGE_SIZE,
      maxTrainingRecords: e.CLASSIFY_MAX_TRAINING_RECORDS,
      allowPrivateNetworks: e.CLASSIFY_ALLOW_PRIVATE_NETWORKS,
    },
    notifications: {
      allowPrivateNetworks: e.NOTIFY_ALLOW_PRIVATE_NETWORKS,
      webhookTimeoutMs: e.NOTIFY_WEBHOOK_TIMEOUT * 1000,
    },
    schedules: { maxPerWorkspace: e.SCHEDULES_MAX_PER_WORKSPACE, minIntervalMs: e.SCHEDULES_MIN_INTERVAL_MS },
    secretsKey: e.SECRETS_KEY ?? null,
    log: { level: e.LOG_LEVEL },
    metrics: { token: e.METRICS_TOKEN ?? null },
    shutdownTimeoutSeconds: e.SHUTDOWN_TIMEOUT,
  };
}
