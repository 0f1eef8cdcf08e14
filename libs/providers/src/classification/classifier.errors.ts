import { DomainError } from '@labwire/core';

/** Why a provider could not classify a batch; stable values. */
export type ClassifierFailure = 'blocked' | 'network' | 'timeout' | 'http_status' | 'malformed_answer' | 'too_large';

/**
 * A classification provider failed for good (after its retries, or at once for answers no retry
 * mends, such as 401 or 404). The message names the endpoint and the status, never the API key. A
 * DomainError: the job fails with this message instead of being retried blindly; retrying the job
 * resumes after its last committed page.
 */
export class ClassifierError extends DomainError {
  constructor(
    message: string,
    readonly reason: ClassifierFailure,
    readonly endpoint: string,
    readonly status?: number,
  ) {
    super('CLASSIFICATION_PROVIDER_FAILED', message, undefined, {
      endpoint,
      ...(status && { providerStatus: status }),
    });
  }
}
