import { DomainError } from '@labwire/core';
import { QUEUE_NAMES } from './queue-name';

/** Redis did not take the job in time; the api answers 503 and the caller may retry. */
export class QueueUnavailableError extends DomainError {
  constructor(queue: string, timeoutMs: number) {
    super(
      'SERVICE_UNAVAILABLE',
      `The job queue "${queue}" did not accept the job within ${timeoutMs} ms (Redis unavailable); retry shortly`,
    );
  }
}

export class QueueNotFoundError extends DomainError {
  constructor(name: string) {
    super('QUEUE_NOT_FOUND', `There is no queue "${name}"; queues are ${QUEUE_NAMES.join(', ')}`);
  }
}
