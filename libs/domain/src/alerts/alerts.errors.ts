import { ConflictError, NotFoundError } from '@labwire/core';

export class AlertConfigNotFoundError extends NotFoundError {
  constructor(idOrKey: string) {
    super('ALERT_CONFIG_NOT_FOUND', 'Alert config', idOrKey);
  }
}

export class AlertConfigKeyTakenError extends ConflictError {
  constructor(key: string) {
    super('ALERT_CONFIG_KEY_TAKEN', `An alert config with key "${key}" already exists in this workspace`, [
      { field: 'key', message: 'is already used in this workspace' },
    ]);
  }
}

export class AlertNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('ALERT_NOT_FOUND', 'Alert', id);
  }
}

/** Acknowledging an alert that is already resolved. */
export class AlertResolvedError extends ConflictError {
  constructor(id: string) {
    super('ALERT_RESOLVED', `Alert ${id} is already resolved`);
  }
}

export class AlertSilenceNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('ALERT_SILENCE_NOT_FOUND', 'Alert silence', id);
  }
}
