import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { AuditRetentionRepository } from './audit-retention.repository';
import { MaintenanceService } from './maintenance.service';

@Module({
  imports: [IdentityModule],
  providers: [AuditRetentionRepository, MaintenanceService],
  exports: [MaintenanceService],
})
export class MaintenanceModule {}
