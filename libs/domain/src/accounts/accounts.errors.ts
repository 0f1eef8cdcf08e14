import { DomainError } from '@labwire/core';

/** Unknown, tampered, used or expired: the same answer for each, so a token cannot be probed. */
export class EmailTokenInvalidError extends DomainError {
  constructor() {
    super(
      'EMAIL_TOKEN_INVALID',
      'This verification link is invalid, was used already or has expired; ask for a new one (POST /api/v1/auth/verify-email/resend)',
      [{ field: 'token', message: 'invalid, used or expired' }],
    );
  }
}

export class ResetTokenInvalidError extends DomainError {
  constructor() {
    super(
      'RESET_TOKEN_INVALID',
      'This password reset link is invalid, was used already or has expired; ask for a new one (POST /api/v1/auth/password/forgot)',
      [{ field: 'token', message: 'invalid, used or expired' }],
    );
  }
}
