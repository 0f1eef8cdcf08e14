import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { WorkspaceMembership, WorkspaceRole } from '@labwire/domain';
import { ApiProblems } from '../openapi/api-problems.decorator';
import { WORKSPACE_ROLE, WorkspaceGuard, WorkspaceRequest } from './workspace.guard';

/**
 * The lowest workspace role a route needs (viewer < editor < owner). Put it on the controller as the
 * default and on a method to raise it. Every route with a `:workspaceId` must have one.
 */
export const RequireWorkspaceRole = (role: WorkspaceRole) => SetMetadata(WORKSPACE_ROLE, role);

/**
 * Marks a controller (or one route) as workspace-scoped: WorkspaceGuard loads the caller's
 * membership of `:workspaceId` and answers 404 to non-members, 403 to roles that are too low. The
 * module declaring the controller must import WorkspacesModule (for WorkspaceAccessService).
 */
export function WorkspaceScoped() {
  return applyDecorators(
    UseGuards(WorkspaceGuard),
    ApiParam({ name: 'workspaceId', type: String, format: 'uuid', description: 'A workspace you are a member of' }),
    ApiProblems(404),
  );
}

/** The caller's membership of the route's workspace, as WorkspaceGuard loaded it. */
export const CurrentMembership = createParamDecorator((_: unknown, ctx: ExecutionContext): WorkspaceMembership => {
  const membership = ctx.switchToHttp().getRequest<WorkspaceRequest>().workspaceMembership;
  if (!membership) throw new Error('CurrentMembership used on a route that WorkspaceGuard did not check');
  return membership;
});
