import { Module } from '@nestjs/common';
import { AlertsModule } from '@labwire/domain';
import { SseModule } from '../common/sse/sse.module';
import { WorkspacesHttpModule } from '../workspaces/workspaces-http.module';
import { AlertConfigsController } from './alert-configs.controller';
import { AlertSilencesController } from './alert-silences.controller';
import { AlertsController } from './alerts.controller';

/** Alert configs, alerts (with history, stats, events, the current alert) and silences of every workspace. */
@Module({
  imports: [AlertsModule, SseModule, WorkspacesHttpModule],
  controllers: [AlertConfigsController, AlertsController, AlertSilencesController],
})
export class AlertsHttpModule {}
