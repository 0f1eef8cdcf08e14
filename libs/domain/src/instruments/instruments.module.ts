import { Module } from '@nestjs/common';
import { AlertRuleIndexSignal } from '../alert-rules/alert-rule-index-signal';
import { AlertsModule } from '../alerts/alerts.module';
import { AuditModule } from '../audit/audit.module';
import { InstrumentBrokerSync } from './instrument-broker-sync';
import { InstrumentRepository } from './instrument.repository';
import { InstrumentService } from './instrument.service';
import { InstrumentQualificationService } from './instrument-qualification.service';
import { LocationRepository } from './location.repository';
import { LocationService } from './location.service';

@Module({
  // AlertsModule: moving or deleting an instrument publishes the affected displays' current alert again.
  imports: [AuditModule, AlertsModule],
  // InstrumentBrokerSync needs BROKER_ADMIN: the app importing this module imports BrokerModule (global).
  // AlertRuleIndexSignal: rules select instruments by type, location and status, so workers re-read them.
  providers: [
    AlertRuleIndexSignal,
    InstrumentRepository,
    InstrumentBrokerSync,
    InstrumentService,
    InstrumentQualificationService,
    LocationRepository,
    LocationService,
  ],
  exports: [
    InstrumentService,
    InstrumentQualificationService,
    LocationService,
    InstrumentRepository,
    InstrumentBrokerSync,
  ],
})
export class InstrumentsModule {}
