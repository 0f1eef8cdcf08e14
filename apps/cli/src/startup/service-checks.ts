import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { AppConfig, redactUrl } from '@labwire/core';
import { CliError } from '../cli.error';

export interface ServiceCheck {
  name: string;
  url: string;
  /** what to run when the service is down and not a local one we can start */
  fix: string;
  /** resolves when the service answers; rejects with the reason otherwise */
  probe(): Promise<void>;
}

/** A connection problem (worth starting the service), as opposed to e.g. wrong credentials. */
export class ServiceUnreachable extends Error {}

const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (!!e.code && CONNECTION_ERRORS.has(e.code)) || /timeout|timed out|ECONNREFUSED/i.test(e.message ?? '');
}

export function isLoopback(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

export function postgresCheck(url: string): ServiceCheck {
  return {
    name: 'PostgreSQL',
    url,
    fix: 'docker compose up -d postgres',
    async probe() {
      // The maintenance database: the application's own may not exist yet (it is created next).
      const server = new URL(url);
      server.pathname = '/postgres';
      const client = new Client({ connectionString: server.toString(), connectionTimeoutMillis: 3000 });
      try {
        await client.connect();
        await client.query('SELECT 1');
      } catch (err) {
        if (isConnectionError(err)) throw new ServiceUnreachable((err as Error).message);
        throw err;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  };
}

export function redisCheck(url: string): ServiceCheck {
  return {
    name: 'Redis',
    url,
    fix: 'docker compose up -d redis',
    async probe() {
      const redis = new Redis(url, {
        lazyConnect: true,
        connectTimeout: 3000,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      redis.on('error', () => undefined); // reported through connect()'s rejection
      try {
        await redis.connect();
        await redis.ping();
      } catch (err) {
        if (isConnectionError(err) || redis.status !== 'ready') throw new ServiceUnreachable((err as Error).message);
        throw err;
      } finally {
        redis.disconnect();
      }
    },
  };
}

async function reason(check: ServiceCheck): Promise<Error | undefined> {
  try {
    await check.probe();
    return undefined;
  } catch (err) {
    return err as Error;
  }
}

/**
 * Makes sure PostgreSQL and Redis answer. Local ones (loopback URLs) that are down are started with
 * scripts/services.sh when this machine has them installed; anything else stops `npm start` with a
 * message naming the service, the URL tried (password hidden) and the command that fixes it.
 */
export async function ensureServices(config: AppConfig, root: string, log: (line: string) => void): Promise<void> {
  const checks = [postgresCheck(config.database.url), redisCheck(config.redis.url)];
  let failures = new Map<ServiceCheck, Error>();
  for (const check of checks) {
    const err = await reason(check);
    if (err) failures.set(check, err);
  }
  const script = join(root, 'scripts', 'services.sh');
  const startable = [...failures].filter(([c, e]) => e instanceof ServiceUnreachable && isLoopback(c.url));
  if (startable.length && existsSync(script)) {
    log(
      `${startable.map(([c]) => c.name).join(' and ')} not answering: starting the local services (scripts/services.sh)`,
    );
    spawnSync('bash', [script], { stdio: 'inherit' });
    const retried = new Map<ServiceCheck, Error>();
    for (const [check] of failures) {
      const err = await reason(check);
      if (err) retried.set(check, err);
    }
    failures = retried;
  }
  if (!failures.size) return;
  const lines = [...failures].map(([check, err]) =>
    err instanceof ServiceUnreachable
      ? `${check.name} is not reachable at ${redactUrl(check.url)} (${err.message}).\n` +
        `  Start it with: ${check.fix}  (or point ${check.name === 'Redis' ? 'REDIS_URL' : 'DATABASE_URL'} at a running server)`
      : `${check.name} at ${redactUrl(check.url)} refused the connection: ${err.message}`,
  );
  throw new CliError(lines.join('\n'));
}
