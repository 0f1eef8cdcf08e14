import { ErrorCode } from './error-codes';

export interface FieldError {
  field: string;
  message: string;
}

/**
 * Base of every error a lib throws on purpose. It carries a stable code; the transport (HTTP filter,
 * CLI, job) decides how to present it. Libs never throw HttpException.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors?: FieldError[],
    /** extra, safe-to-show facts (e.g. retryAfterSeconds) */
    readonly meta?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, errors?: FieldError[]) {
    super('VALIDATION_FAILED', message, errors);
  }
}

export class NotFoundError extends DomainError {
  constructor(code: Extract<ErrorCode, `${string}_NOT_FOUND`>, what: string, id?: string) {
    super(code, id ? `${what} ${id} was not found` : `${what} was not found`);
  }
}

export class ConflictError extends DomainError {}

export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(message = 'Authentication is required: send a Bearer access token or an X-API-Key header') {
    super('UNAUTHENTICATED', message);
  }
}

export class VersionMismatchError extends DomainError {
  constructor(what: string, current: number) {
    super(
      'VERSION_MISMATCH',
      `${what} was changed by someone else (current version ${current}); fetch it again and retry with its ETag in If-Match`,
      undefined,
      { currentVersion: current },
    );
  }
}

export class TooManyRequestsError extends DomainError {
  constructor(code: 'TOO_MANY_REQUESTS' | 'ACCOUNT_LOCKED', message: string, retryAfterSeconds: number) {
    super(code, message, undefined, { retryAfterSeconds });
  }
}
