import { Module } from '@nestjs/common';
import { TelemetryModule } from '@labwire/domain';
import { WorkspacesHttpModule } from '../workspaces/workspaces-http.module';
import { TelemetryController } from './telemetry.controller';

@Module({
  imports: [TelemetryModule, WorkspacesHttpModule],
  controllers: [TelemetryController],
})
export class TelemetryHttpModule {}
