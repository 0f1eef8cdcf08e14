import { DomainError } from '@labwire/core';

/** The broker did not answer (not running, unreachable, or a request timed out). */
export class BrokerUnavailableError extends DomainError {
  constructor(detail: string) {
    super('BROKER_UNAVAILABLE', `The MQTT broker is unavailable: ${detail}`);
  }
}

/** The broker answered a management request with an error. */
export class BrokerRejectedError extends DomainError {
  constructor(
    readonly command: string,
    readonly brokerError: string,
  ) {
    super('BROKER_REJECTED', `The MQTT broker refused "${command}": ${brokerError}`);
  }
}
