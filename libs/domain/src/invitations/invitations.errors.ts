import { DomainError, NotFoundError } from '@labwire/core';
import type { InvitationStatus } from './workspace-invitation.entity';

export class InvitationNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('INVITATION_NOT_FOUND', 'Invitation', id);
  }
}

export class InvitationNotPendingError extends DomainError {
  constructor(status: InvitationStatus | 'expired') {
    super('INVITATION_NOT_PENDING', `This invitation is ${status}; invite the address again instead`);
  }
}

/** Registering with an invitation link that is unknown, tampered, used, revoked or expired. */
export class InvitationInvalidError extends DomainError {
  constructor() {
    super(
      'INVITATION_INVALID',
      'This invitation link is invalid, was used or revoked, or has expired; ask the workspace owner for a new one',
      [{ field: 'token', message: 'invalid, used, revoked or expired' }],
    );
  }
}
