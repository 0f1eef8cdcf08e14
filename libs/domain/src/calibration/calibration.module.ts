import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { InstrumentQualificationService } from '../instruments/instrument-qualification.service';
import { InstrumentRepository } from '../instruments/instrument.repository';
import { CalibrationDueRepository } from './calibration-due.repository';
import { CalibrationDueService } from './calibration-due.service';
import { CalibrationRepository } from './calibration.repository';
import { CalibrationService } from './calibration.service';
import { MaintenanceWindowRepository } from './maintenance-window.repository';
import { MaintenanceWindowService } from './maintenance-window.service';

/**
 * Calibration records, maintenance windows, the daily calibration-due check and qualification, for
 * api and worker alike: no broker needed (the instruments' repository is provided here, not through
 * InstrumentsModule); OBJECT_STORAGE comes from StorageModule and JobProducer from QueueModule (global).
 */
@Module({
  imports: [AuditModule],
  providers: [
    InstrumentRepository,
    InstrumentQualificationService,
    CalibrationRepository,
    CalibrationService,
    MaintenanceWindowRepository,
    MaintenanceWindowService,
    CalibrationDueRepository,
    CalibrationDueService,
  ],
  exports: [CalibrationService, MaintenanceWindowService, CalibrationDueService, InstrumentQualificationService],
})
export class CalibrationModule {}
