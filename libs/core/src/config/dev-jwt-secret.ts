import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from './app-config';

export const DEV_JWT_SECRET_FILE = 'jwt-secret';

/**
 * Development only (production requires JWT_SECRET): the secret `npm start` and `npm run start:api` sign
 * sessions with when JWT_SECRET is unset. Generated once and kept in <dataDir>/jwt-secret (mode 600), like
 * the broker password, so a restart does not sign everyone out.
 */
export function devJwtSecret(dataDir: string): { secret: string; created: boolean } {
  const file = join(dataDir, DEV_JWT_SECRET_FILE);
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    // A file cut short (edited, disk full) would give a secret the api refuses: make a new one.
    if (secret.length >= 32) return { secret, created: false };
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  // `mode` applies only to a new file: one being replaced keeps its own until set here.
  chmodSync(file, 0o600);
  return { secret, created: true };
}

/**
 * The api's configuration with the development secret of <dataDir>/jwt-secret when JWT_SECRET is unset and
 * NODE_ENV is development (`npm run start:api` without `npm start`); otherwise `config` as it is. Not in
 * test (a test sets its own secret and must not write into the checkout) nor production (loadConfig
 * requires JWT_SECRET there).
 */
export function withDevJwtSecret(
  config: AppConfig,
  dataDir: string,
): { config: AppConfig; source?: 'created' | 'file' } {
  if (!config.auth.jwtSecretGenerated || config.env !== 'development') return { config };
  let dev: { secret: string; created: boolean };
  try {
    dev = devJwtSecret(dataDir);
  } catch {
    // A checkout the api cannot write to: the per-process secret (and the api's warning about it).
    return { config };
  }
  return {
    config: { ...config, auth: { ...config.auth, jwtSecret: dev.secret, jwtSecretGenerated: false } },
    source: dev.created ? 'created' : 'file',
  };
}
