import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { AuditModule } from '../audit/audit.module';
import { IdentityModule } from '../identity/identity.module';
import { WorkspaceMemberRepository } from '../workspaces/workspace-member.repository';
import { InvitationService } from './invitation.service';
import { WorkspaceInvitationRepository } from './workspace-invitation.repository';

@Module({
  imports: [AccountsModule, AuditModule, IdentityModule],
  providers: [InvitationService, WorkspaceInvitationRepository, WorkspaceMemberRepository],
  exports: [InvitationService],
})
export class InvitationsModule {}
