import { Module } from '@nestjs/common';
import { ExperimentsModule } from '@labwire/domain';
import { SseModule } from '../common/sse/sse.module';
import { WorkspacesHttpModule } from '../workspaces/workspaces-http.module';
import { ExperimentDataController } from './experiment-data.controller';
import { ExperimentsController } from './experiments.controller';
import { ProtocolsController } from './protocols.controller';

/** Protocols, experiments and experiment data of every workspace. */
@Module({
  imports: [ExperimentsModule, WorkspacesHttpModule, SseModule],
  controllers: [ProtocolsController, ExperimentsController, ExperimentDataController],
})
export class ExperimentsHttpModule {}
