import { Module } from '@nestjs/common';
import { AuditModule, InstrumentsModule, InvitationsModule, WorkspacesModule } from '@labwire/domain';
import { AuditLogController } from '../audit/audit-log.controller';
import { WorkspaceGuard } from '../common/workspaces/workspace.guard';
import { InstrumentsController } from '../instruments/instruments.controller';
import { LocationsController } from '../instruments/locations.controller';
import { InvitedRegistrationController } from './invited-registration.controller';
import { MyInvitationsController } from './my-invitations.controller';
import { WorkspaceInvitationsController } from './workspace-invitations.controller';
import { WorkspaceMembersController } from './workspace-members.controller';
import { WorkspacesController } from './workspaces.controller';

/** Everything under /workspaces: the workspaces, their members and invitations, locations, instruments, audit log. */
@Module({
  imports: [WorkspacesModule, InstrumentsModule, AuditModule, InvitationsModule],
  controllers: [
    WorkspacesController,
    WorkspaceMembersController,
    LocationsController,
    InstrumentsController,
    AuditLogController,
    WorkspaceInvitationsController,
    MyInvitationsController,
    InvitedRegistrationController,
  ],
  providers: [WorkspaceGuard],
  exports: [WorkspacesModule, WorkspaceGuard],
})
export class WorkspacesHttpModule {}
