import { DomainError, NotFoundError } from '@labwire/core';

export class ClassificationSchemeNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('CLASSIFICATION_SCHEME_NOT_FOUND', 'Classification scheme', id);
  }
}

export class ClassificationSchemeVersionNotFoundError extends NotFoundError {
  constructor(id: string, version: number) {
    super('CLASSIFICATION_SCHEME_VERSION_NOT_FOUND', `Version ${version} of classification scheme`, id);
  }
}

export class ClassificationSchemeNameTakenError extends DomainError {
  constructor(name: string) {
    super('CLASSIFICATION_SCHEME_NAME_TAKEN', `This workspace already has a classification scheme named "${name}"`, [
      { field: 'name', message: 'is already used by another classification scheme in this workspace' },
    ]);
  }
}

/** A queued or running classification job uses the scheme. */
export class ClassificationSchemeInUseError extends DomainError {
  constructor(jobIds: string[]) {
    super(
      'CLASSIFICATION_SCHEME_IN_USE',
      `Classification job${jobIds.length === 1 ? '' : 's'} ${jobIds.join(', ')} of this scheme ${jobIds.length === 1 ? 'is' : 'are'} queued or running; cancel or wait for ${jobIds.length === 1 ? 'it' : 'them'} first`,
      undefined,
      { jobIds },
    );
  }
}

/** Storing a secret (provider API key, webhook secret) needs SECRETS_KEY in production. */
export class SecretsKeyMissingError extends DomainError {
  constructor() {
    super(
      'SECRETS_KEY_MISSING',
      'The server cannot store secrets (API keys, webhook secrets): SECRETS_KEY is not configured (an operator must set it, at least 32 characters)',
    );
  }
}

/** A stored API key can no longer be read (SECRETS_KEY changed): set it again. */
export class ApiKeyUnreadableError extends DomainError {
  constructor(schemeId: string) {
    super(
      'CLASSIFICATION_PROVIDER_FAILED',
      `The API key of classification scheme ${schemeId} cannot be decrypted (was SECRETS_KEY changed?); set provider.apiKey again`,
    );
  }
}
