import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { randomToken, sha256 } from '../identity/secret-tokens';
import { AccountToken, AccountTokenPurpose } from './account-token.entity';

export interface IssuedToken {
  /** the secret, for the mail only: never stored */
  token: string;
  row: AccountToken;
}

/** Account tokens: issued as a random secret, stored as its SHA-256, spent once. */
@Injectable()
export class AccountTokenRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(em?: EntityManager) {
    return (em ?? this.dataSource.manager).getRepository(AccountToken);
  }

  /** A new token; the user's earlier unused tokens of the same purpose stop working. */
  async issue(
    userId: string,
    purpose: AccountTokenPurpose,
    email: string,
    ttlSeconds: number,
    em?: EntityManager,
  ): Promise<IssuedToken> {
    await this.spendAll(userId, purpose, em);
    const token = randomToken(32);
    const repo = this.repo(em);
    const row = await repo.save(
      repo.create({
        userId,
        purpose,
        email,
        tokenHash: sha256(token),
        expiresAt: new Date(Date.now() + ttlSeconds * 1000),
        usedAt: null,
      }),
    );
    return { token, row };
  }

  /** The unused, unexpired token with this secret, without spending it (to check input first). */
  findUsable(purpose: AccountTokenPurpose, token: string): Promise<AccountToken | null> {
    return this.repo()
      .createQueryBuilder('t')
      .where('t.token_hash = :hash AND t.purpose = :purpose AND t.used_at IS NULL AND t.expires_at > now()', {
        hash: sha256(token),
        purpose,
      })
      .getOne();
  }

  /**
   * Spends the token in one statement, so two concurrent uses cannot both succeed. Null when no
   * unused, unexpired token of this purpose has that secret (unknown, tampered, used or expired).
   */
  async spend(purpose: AccountTokenPurpose, token: string, em?: EntityManager): Promise<AccountToken | null> {
    const rows: AccountToken[] = await this.repo(em)
      .createQueryBuilder()
      .update(AccountToken)
      .set({ usedAt: () => 'now()' })
      .where('token_hash = :hash AND purpose = :purpose AND used_at IS NULL AND expires_at > now()', {
        hash: sha256(token),
        purpose,
      })
      .returning(['id', 'userId', 'purpose', 'email', 'expiresAt'])
      .execute()
      .then((r) => r.raw as AccountToken[]);
    if (!rows.length) return null;
    return this.repo(em).findOneByOrFail({ id: rows[0].id });
  }

  /** Spends every unused token of a purpose of the user (a newer one, or the deed is done). */
  async spendAll(userId: string, purpose: AccountTokenPurpose, em?: EntityManager): Promise<void> {
    await this.repo(em)
      .createQueryBuilder()
      .update(AccountToken)
      .set({ usedAt: () => 'now()' })
      .where('user_id = :userId AND purpose = :purpose AND used_at IS NULL', { userId, purpose })
      .execute();
  }

  /**
   * Deletes the tokens that can no longer be used: expired, or used, before `before` (the maintenance
   * purge). In batches, so a large backlog never holds one long lock. Answers how many were deleted.
   */
  async purge(before: Date, batchSize = 5000): Promise<number> {
    let total = 0;
    for (;;) {
      const [, deleted]: [unknown[], number] = await this.dataSource.query(
        `DELETE FROM account_tokens WHERE id IN (
           SELECT id FROM account_tokens WHERE expires_at < $1 OR used_at < $1 LIMIT $2)`,
        [before, batchSize],
      );
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }
}
