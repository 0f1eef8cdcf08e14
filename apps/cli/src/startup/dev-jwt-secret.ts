import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEV_JWT_SECRET_FILE = 'jwt-secret';

/**
 * Development only (production requires JWT_SECRET): the secret `npm start` signs sessions with when
 * JWT_SECRET is unset. Generated once and kept in <dataDir>/jwt-secret (mode 600), like the broker
 * password, so a restart does not sign everyone out.
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
  return { secret, created: true };
}
