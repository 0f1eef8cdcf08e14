import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { IdentityModule } from '../identity/identity.module';
import { AlertRetentionRepository } from './alert-retention.repository';
import { AuditRetentionRepository } from './audit-retention.repository';
import { MaintenanceService } from './maintenance.service';

@Module({
  imports: [IdentityModule, AccountsModule],
  providers: [AuditRetentionRepository, AlertRetentionRepository, MaintenanceService],
  exports: [MaintenanceService],
})
export class MaintenanceModule {}
