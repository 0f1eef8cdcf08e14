import { Module } from '@nestjs/common';
import { TelemetryModule } from '@labwire/domain';
import { WorkspacesHttpModule } from '../workspaces/workspaces-http.module';
import { TelemetryBackfillController } from './telemetry-backfill.controller';
import { TelemetryController } from './telemetry.controller';
import { TelemetryDropsController } from './telemetry-drops.controller';
import { WorkspaceTelemetryController } from './workspace-telemetry.controller';

@Module({
  imports: [TelemetryModule, WorkspacesHttpModule],
  controllers: [
    TelemetryController,
    TelemetryBackfillController,
    TelemetryDropsController,
    WorkspaceTelemetryController,
  ],
})
export class TelemetryHttpModule {}
