import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { ExportService } from './export.service';
import { ImportService } from './import.service';
import { TransferRegistry } from './transfer-registry';

/** Workspace export and import. Needs OBJECT_STORAGE (StorageModule, global). */
@Module({
  imports: [JobsModule, TelemetryModule],
  providers: [TransferRegistry, ExportService, ImportService],
  exports: [ExportService, ImportService, TransferRegistry],
})
export class TransferModule {}
