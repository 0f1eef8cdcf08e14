import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { IdentityModule } from '../identity/identity.module';
import { InstrumentsModule } from '../instruments/instruments.module';
import { WorkspaceAccessService } from './workspace-access.service';
import { WorkspaceMemberRepository } from './workspace-member.repository';
import { WorkspaceMemberService } from './workspace-member.service';
import { WorkspaceRepository } from './workspace.repository';
import { WorkspaceService } from './workspace.service';

@Module({
  imports: [AuditModule, IdentityModule, InstrumentsModule],
  providers: [
    WorkspaceAccessService,
    WorkspaceMemberRepository,
    WorkspaceMemberService,
    WorkspaceRepository,
    WorkspaceService,
  ],
  exports: [WorkspaceAccessService, WorkspaceMemberService, WorkspaceService],
})
export class WorkspacesModule {}
