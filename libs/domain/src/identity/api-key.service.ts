import { Injectable } from '@nestjs/common';
import { ValidationError } from '@labwire/core';
import { ApiKey } from './api-key.entity';
import { ApiKeyCredential, ApiKeyRepository } from './api-key.repository';
import { AuthCache } from './auth-cache';
import { ApiKeyNotFoundError } from './identity.errors';
import { Principal } from './principal';
import { randomToken, safeEqualHex, sha256 } from './secret-tokens';

const TOUCH_INTERVAL_MS = 60_000;
const KEY_PATTERN = /^lw_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export interface CreatedApiKey {
  apiKey: ApiKey;
  /** the full key: returned once, never stored */
  secret: string;
}

@Injectable()
export class ApiKeyService {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly cache: AuthCache,
  ) {}

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
    await this.cache.invalidateUser(userId);
  }

  /**
   * The principal behind a presented key, or null when the key is unknown, revoked or expired.
   * `workspaceId`: the (valid uuid) workspace the request addresses, whose role is read alongside.
   */
  async authenticate(presented: string, workspaceId?: string): Promise<Principal | null> {
    const match = KEY_PATTERN.exec(presented);
    if (!match) return null;
    const cacheKey = `k:${match[1]}:${workspaceId ?? ''}`;
    let key = this.cache.get<ApiKeyCredential>(cacheKey);
    if (!key) {
      const token = this.cache.token();
      const read = await this.keys.findForAuthentication(match[1], workspaceId);
      if (!read) return null;
      this.cache.set(cacheKey, read.userId, read, token);
      key = read;
    }
    if (!safeEqualHex(key.keyHash, sha256(presented))) return null;
    const now = Date.now();
    if (key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= now) || key.status !== 'active') return null;
    // Record use at most once a minute per key, so busy clients do not write on every request.
    if (!key.lastUsedAt || now - key.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
      await this.keys.touch(key.id);
      key.lastUsedAt = new Date(now);
    }
    const principal: Principal = { userId: key.userId, role: key.role, apiKeyId: key.id };
    if (workspaceId) principal.workspaceAccess = { workspaceId, role: key.memberRole };
    return principal;
  }
}
