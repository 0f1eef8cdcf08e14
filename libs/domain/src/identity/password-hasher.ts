import { Injectable } from '@nestjs/common';
import { Algorithm, hash, verify } from '@node-rs/argon2';
import { WeakPasswordError } from './identity.errors';

/** OWASP Password Storage Cheat Sheet: argon2id, 19 MiB memory, 2 iterations, 1 lane. */
export const ARGON2_OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

@Injectable()
export class PasswordHasher {
  /** A real hash of a random string, verified against when the user does not exist (equal timing). */
  private readonly decoy = hash('decoy-password-for-timing', ARGON2_OPTIONS);

  assertAcceptable(password: string, email?: string): void {
    if (password.length < PASSWORD_MIN_LENGTH) {
      throw new WeakPasswordError(`must be at least ${PASSWORD_MIN_LENGTH} characters`);
    }
    if (password.length > PASSWORD_MAX_LENGTH) {
      throw new WeakPasswordError(`must be at most ${PASSWORD_MAX_LENGTH} characters`);
    }
    if (email && password.toLowerCase().includes(email.toLowerCase().split('@')[0]) && email.length > 3) {
      throw new WeakPasswordError('must not contain the email name');
    }
  }

  hash(password: string): Promise<string> {
    return hash(password, ARGON2_OPTIONS);
  }

  async verify(passwordHash: string | undefined, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash ?? (await this.decoy), password);
    } catch {
      return false;
    }
  }
}
