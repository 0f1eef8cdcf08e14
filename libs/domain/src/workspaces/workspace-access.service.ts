import { Injectable } from '@nestjs/common';
import { WorkspaceMemberRepository } from './workspace-member.repository';
import { WorkspaceMembership } from './workspace-membership';

/** Answers "is this user in that workspace, and as what?" for guards in any transport. */
@Injectable()
export class WorkspaceAccessService {
  constructor(private readonly members: WorkspaceMemberRepository) {}

  /** The user's membership, or null when the workspace does not exist or they are not in it. */
  membershipOf(workspaceId: string, userId: string): Promise<WorkspaceMembership | null> {
    return this.members.findMembership(workspaceId, userId);
  }
}
