import { ForbiddenError } from '@labwire/core';
import { WorkspaceRole } from './workspace-member.entity';

/** The caller's place in a workspace, as the api's WorkspaceGuard loads it once per request. */
export interface WorkspaceMembership {
  workspaceId: string;
  userId: string;
  role: WorkspaceRole;
}

const RANK: Record<WorkspaceRole, number> = { viewer: 1, editor: 2, owner: 3 };

/** Roles are ordered viewer < editor < owner; a higher role may do all a lower one may. */
export function hasWorkspaceRole(actual: WorkspaceRole, needed: WorkspaceRole): boolean {
  return RANK[actual] >= RANK[needed];
}

export function assertWorkspaceRole(membership: WorkspaceMembership, needed: WorkspaceRole): void {
  if (!hasWorkspaceRole(membership.role, needed)) {
    throw new ForbiddenError(`This needs the workspace role "${needed}" or higher; you are "${membership.role}"`);
  }
}
