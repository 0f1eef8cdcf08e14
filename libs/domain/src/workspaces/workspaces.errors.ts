import { DomainError, NotFoundError } from '@labwire/core';

export class WorkspaceNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('WORKSPACE_NOT_FOUND', 'Workspace', id);
  }
}

export class MemberNotFoundError extends NotFoundError {
  constructor(userId: string) {
    super('MEMBER_NOT_FOUND', 'Member', userId);
  }
}

export class MemberExistsError extends DomainError {
  constructor(email: string) {
    super('MEMBER_EXISTS', `${email} is already a member of this workspace; change their role instead`);
  }
}

export class LastOwnerError extends DomainError {
  constructor() {
    super('LAST_OWNER', 'This is the last owner of the workspace; make another member owner first');
  }
}
