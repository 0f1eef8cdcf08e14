import { Injectable } from '@nestjs/common';
import { ValidationError } from '@labwire/core';
import { ApiKey } from './api-key.entity';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyNotFoundError } from './identity.errors';
import { Principal } from './principal';
import { randomToken, safeEqualHex, sha256 } from './secret-tokens';

const KEY_PATTERN = /^lw_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export interface CreatedApiKey {
  apiKey: ApiKey;
  /** the full key: returned once, never stored */
  secret: string;
}

@Injectable()
export class ApiKeyService {
  constructor(private readonly keys: ApiKeyRepository) {}

  async create(userId: string, name: string, expiresAt?: Date): Promise<CreatedApiKey> {
    if (expiresAt && expiresAt <= new Date()) {
      throw new ValidationError('expiresAt must be in the future', [
        { field: 'expiresAt', message: 'must be in the future' },
      ]);
    }
    const prefix = randomToken(9).replace(/[-_]/g, '').padEnd(12, '0').slice(0, 12);
    const secret = `lw_${prefix}_${randomToken(32)}`;
    const apiKey = await this.keys.insert({
      userId,
      name: name.trim(),
      prefix,
      keyHash: sha256(secret),
      expiresAt: expiresAt ?? null,
    });
    return { apiKey, secret };
  }

  list(userId: string): Promise<ApiKey[]> {
    return this.keys.listForUser(userId);
  }

  async revoke(userId: string, id: string): Promise<void> {
    const key = await this.keys.findForUser(userId, id);
    if (!key) throw new ApiKeyNotFoundError(id);
    await this.keys.revoke(userId, id);
  }

  /** The principal behind a presented key, or null when the key is unknown, revoked or expired. */
  async authenticate(presented: string): Promise<Principal | null> {
    const match = KEY_PATTERN.exec(presented);
    if (!match) return null;
    const found = await this.keys.findByPrefixWithOwner(match[1]);
    if (!found || !safeEqualHex(found.key.keyHash, sha256(presented))) return null;
    const { key, role, status } = found;
    if (key.revokedAt || (key.expiresAt && key.expiresAt <= new Date()) || status !== 'active') return null;
    void this.keys.touch(key.id).catch(() => undefined);
    return { userId: key.userId, role, apiKeyId: key.id };
  }
}
