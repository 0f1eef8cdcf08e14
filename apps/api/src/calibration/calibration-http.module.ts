import { Module } from '@nestjs/common';
import { CalibrationModule } from '@labwire/domain';
import { WorkspacesHttpModule } from '../workspaces/workspaces-http.module';
import { CalibrationsController } from './calibrations.controller';
import { MaintenanceWindowsController } from './maintenance-windows.controller';

/** Calibration records and maintenance windows of every workspace's instruments. */
@Module({
  imports: [CalibrationModule, WorkspacesHttpModule],
  controllers: [CalibrationsController, MaintenanceWindowsController],
})
export class CalibrationHttpModule {}
