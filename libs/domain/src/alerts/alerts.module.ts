import { Module } from '@nestjs/common';
import { MqttPublisherModule } from '@labwire/providers';
import { AuditModule } from '../audit/audit.module';
import { AlertConfigRepository } from './alert-config.repository';
import { AlertConfigService } from './alert-config.service';
import { AlertDisplayService } from './alert-display.service';
import { AlertHistoryRepository } from './alert-history.repository';
import { AlertHistoryService } from './alert-history.service';
import { AlertJobsService } from './alert-jobs.service';
import { AlertRepository } from './alert.repository';
import { AlertSilenceRepository } from './alert-silence.repository';
import { AlertSilenceService } from './alert-silence.service';
import { AlertStatsService } from './alert-stats.service';
import { AlertTimers } from './alert-timers';
import { AlertTransitionRecorder } from './alert-transition-recorder';
import { AlertsService } from './alerts.service';
import { InstrumentAlertsService } from './instrument-alerts.service';

/** Alerts for api and worker (the JobProducer and Redis come from the global modules). */
@Module({
  imports: [AuditModule, MqttPublisherModule],
  providers: [
    AlertConfigRepository,
    AlertRepository,
    AlertHistoryRepository,
    AlertSilenceRepository,
    AlertConfigService,
    AlertTransitionRecorder,
    AlertDisplayService,
    AlertTimers,
    AlertsService,
    AlertSilenceService,
    AlertJobsService,
    AlertHistoryService,
    AlertStatsService,
    InstrumentAlertsService,
  ],
  exports: [
    InstrumentAlertsService,
    AlertConfigService,
    AlertsService,
    AlertSilenceService,
    AlertDisplayService,
    AlertTransitionRecorder,
    AlertJobsService,
    AlertHistoryService,
    AlertStatsService,
    AlertHistoryRepository,
    AlertRepository,
    AlertSilenceRepository,
  ],
})
export class AlertsModule {}
