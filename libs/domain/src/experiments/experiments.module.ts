import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CalibrationModule } from '../calibration/calibration.module';
import { CommandsModule } from '../commands/commands.module';
import { JobsModule } from '../jobs/jobs.module';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { ExperimentCommandRunner } from './experiment-command-runner';
import { ExperimentDataService } from './experiment-data.service';
import { ExperimentEventPublisher } from './experiment-events';
import { ExperimentQualification } from './experiment-qualification';
import { ExperimentRepository } from './experiment.repository';
import { ExperimentRunService } from './experiment-run.service';
import { ExperimentService } from './experiment.service';
import { ExperimentSignals } from './experiment-signals';
import { ExperimentStepRepository } from './experiment-step.repository';
import { ProtocolRepository } from './protocol.repository';
import { ProtocolService } from './protocol.service';

/**
 * Protocols, experiments, their runs and data. Needs REDIS, the QueueModule and OBJECT_STORAGE (global,
 * for CalibrationModule, which answers qualification).
 */
@Module({
  imports: [AuditModule, JobsModule, CommandsModule, TelemetryModule, CalibrationModule],
  providers: [
    ProtocolRepository,
    ProtocolService,
    ExperimentRepository,
    ExperimentStepRepository,
    ExperimentQualification,
    ExperimentEventPublisher,
    ExperimentSignals,
    ExperimentCommandRunner,
    ExperimentService,
    ExperimentRunService,
    ExperimentDataService,
  ],
  exports: [ProtocolService, ExperimentService, ExperimentRunService, ExperimentDataService, ExperimentEventPublisher],
})
export class ExperimentsModule {}
