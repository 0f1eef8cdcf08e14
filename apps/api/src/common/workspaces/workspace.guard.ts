import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { UnauthenticatedError } from '@labwire/core';
import {
  assertWorkspaceRole,
  WorkspaceAccessService,
  WorkspaceMembership,
  WorkspaceNotFoundError,
  WorkspaceRole,
} from '@labwire/domain';
import { AuthenticatedRequest } from '../auth/auth.decorators';

export type WorkspaceRequest = AuthenticatedRequest & { workspaceMembership?: WorkspaceMembership };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Metadata key of @RequireWorkspaceRole. */
export const WORKSPACE_ROLE = 'labwire:workspace-role';

/**
 * Runs after the global AuthGuard on workspace-scoped controllers. For a route with `:workspaceId`
 * it loads the caller's membership in one query: not a member (or no such workspace, or not even a
 * uuid) is 404 WORKSPACE_NOT_FOUND, so outsiders learn nothing; a role below the route's
 * @RequireWorkspaceRole is 403. Platform admins get no bypass. Routes without the param pass.
 */
@Injectable()
export class WorkspaceGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly access: WorkspaceAccessService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<WorkspaceRequest>();
    const raw = (request.params as Record<string, string | undefined> | undefined)?.workspaceId;
    if (raw === undefined) return true;
    const needed = this.reflector.getAllAndOverride<WorkspaceRole | undefined>(WORKSPACE_ROLE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!needed) {
      // Fail closed: a scoped route that forgot to say which role it needs is a bug, not a free pass.
      throw new Error(`${context.getClass().name}.${context.getHandler().name} has no @RequireWorkspaceRole`);
    }
    if (!request.user) throw new UnauthenticatedError();
    if (!UUID.test(raw)) throw new WorkspaceNotFoundError(raw);
    const workspaceId = raw.toLowerCase();
    // The AuthGuard usually read the role with the credentials already; ask only if it did not.
    const pre = request.user.workspaceAccess;
    const membership =
      pre?.workspaceId === workspaceId
        ? pre.role && { workspaceId, userId: request.user.userId, role: pre.role }
        : await this.access.membershipOf(workspaceId, request.user.userId);
    if (!membership) throw new WorkspaceNotFoundError(workspaceId);
    assertWorkspaceRole(membership, needed);
    request.workspaceMembership = membership;
    return true;
  }
}
