import { Module } from '@nestjs/common';
import { AuditModule, InstrumentsModule, WorkspacesModule } from '@labwire/domain';
import { AuditLogController } from '../audit/audit-log.controller';
import { WorkspaceGuard } from '../common/workspaces/workspace.guard';
import { InstrumentsController } from '../instruments/instruments.controller';
import { LocationsController } from '../instruments/locations.controller';
import { WorkspaceMembersController } from './workspace-members.controller';
import { WorkspacesController } from './workspaces.controller';

/** Everything under /workspaces: the workspaces, their members, locations, instruments and audit log. */
@Module({
  imports: [WorkspacesModule, InstrumentsModule, AuditModule],
  controllers: [
    WorkspacesController,
    WorkspaceMembersController,
    LocationsController,
    InstrumentsController,
    AuditLogController,
  ],
  providers: [WorkspaceGuard],
  exports: [WorkspacesModule, WorkspaceGuard],
})
export class WorkspacesHttpModule {}
