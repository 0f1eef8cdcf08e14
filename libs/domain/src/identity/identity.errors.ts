import { DomainError, NotFoundError, TooManyRequestsError } from '@labwire/core';

export class InvalidCredentialsError extends DomainError {
  constructor(message = 'Email or password is wrong') {
    super('INVALID_CREDENTIALS', message);
  }
}

/** What only a signed-in person may do (change the password, mint keys), refused to an API key. */
export class SessionRequiredError extends DomainError {
  constructor(what: string) {
    super(
      'SESSION_REQUIRED',
      `${what} needs a signed-in session (a Bearer access token from POST /api/v1/auth/login), not an API key`,
    );
  }
}

export class AccountPendingError extends DomainError {
  constructor(message = 'This account is waiting for an administrator to approve it') {
    super('ACCOUNT_PENDING', message);
  }
}

export class AccountDisabledError extends DomainError {
  constructor() {
    super('ACCOUNT_DISABLED', 'This account is disabled; ask an administrator to enable it');
  }
}

export class AccountLockedError extends TooManyRequestsError {
  constructor(retryAfterSeconds: number) {
    super(
      'ACCOUNT_LOCKED',
      `Too many failed sign-ins for this account; try again in ${retryAfterSeconds} s or reset the password`,
      retryAfterSeconds,
    );
  }
}

export class LoginRateLimitedError extends TooManyRequestsError {
  constructor(retryAfterSeconds: number) {
    super(
      'TOO_MANY_REQUESTS',
      `Too many sign-in attempts from this address; retry in ${retryAfterSeconds} s`,
      retryAfterSeconds,
    );
  }
}

export class RefreshTokenInvalidError extends DomainError {
  constructor(reason: string) {
    super('REFRESH_TOKEN_INVALID', `Refresh token rejected: ${reason}; sign in again`);
  }
}

export class RegistrationClosedError extends DomainError {
  constructor() {
    super('REGISTRATION_CLOSED', 'Self-registration is closed; ask an administrator for an account');
  }
}

export class EmailTakenError extends DomainError {
  constructor(email: string) {
    super('EMAIL_TAKEN', `A user with email ${email} already exists`);
  }
}

export class UserNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('USER_NOT_FOUND', 'User', id);
  }
}

export class ApiKeyNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('API_KEY_NOT_FOUND', 'API key', id);
  }
}

export class LastAdminError extends DomainError {
  constructor() {
    super('LAST_ADMIN', 'This is the last active administrator; make another user admin first');
  }
}

export class WeakPasswordError extends DomainError {
  constructor(reason: string) {
    super('WEAK_PASSWORD', `Password rejected: ${reason}`, [{ field: 'password', message: reason }]);
  }
}
