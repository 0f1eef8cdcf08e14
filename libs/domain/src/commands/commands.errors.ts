import { DomainError, NotFoundError } from '@labwire/core';
import { CommandStatus } from './command.entity';

export class CommandNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('COMMAND_NOT_FOUND', 'Command', id);
  }
}

/** Only queued and sent commands can be cancelled. */
export class CommandNotCancellableError extends DomainError {
  constructor(status: CommandStatus) {
    super(
      'COMMAND_NOT_CANCELLABLE',
      `The command is already ${status}; only queued or sent commands can be cancelled`,
      undefined,
      // not `status`: that is the problem document's HTTP status
      { commandStatus: status },
    );
  }
}

/** The idempotency key names a command of this instrument with a different body. */
export class IdempotencyKeyReusedError extends DomainError {
  constructor(key: string, commandId: string) {
    super(
      'IDEMPOTENCY_KEY_REUSED',
      `Idempotency key "${key}" was used for another command of this instrument (${commandId}) with a different body`,
      [{ field: 'idempotencyKey', message: 'is already used by a different command of this instrument' }],
      { commandId },
    );
  }
}
