import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { AppConfig } from '@labwire/core';
import { SecretsKeyMissingError } from '../classification/classification.errors';

/** Outside production, without SECRETS_KEY: a fixed key, so api and worker agree (not a secret). */
const DEVELOPMENT_SECRET = 'labwire-development-secrets-key-not-for-production';
const VERSION = 'v1';

/**
 * Encrypts secrets kept in the database with AES-256-GCM (random 96-bit IV, authenticated), under a
 * key derived with HKDF-SHA-256 from SECRETS_KEY and the purpose, so each kind of secret has its own
 * key. Without SECRETS_KEY, production refuses to store secrets; development and tests use a fixed
 * key and say so once.
 */
export abstract class SecretCipher {
  private readonly key: Buffer | null;

  protected constructor(config: AppConfig, purpose: string, what: string) {
    let secret = config.secretsKey;
    if (!secret && config.env !== 'production') {
      secret = DEVELOPMENT_SECRET;
      if (config.env === 'development') {
        new Logger('Secrets').warn(`SECRETS_KEY is not set: ${what} are encrypted with a development key`);
      }
    }
    this.key = secret ? Buffer.from(hkdfSync('sha256', secret, 'labwire', purpose, 32)) : null;
  }

  encrypt(plain: string): string {
    if (!this.key) throw new SecretsKeyMissingError();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64url')}`;
  }

  /** The secret, or null when it cannot be read (another SECRETS_KEY, or none). */
  decrypt(stored: string): string | null {
    if (!this.key || !stored.startsWith(`${VERSION}.`)) return null;
    try {
      const raw = Buffer.from(stored.slice(VERSION.length + 1), 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }
}
