import { Module } from '@nestjs/common';
import { IngestionModule } from '@labwire/domain';
import { WorkspacesHttpModule } from '../workspaces/workspaces-http.module';
import { DatasourcesController } from './datasources.controller';
import { RecordsController } from './records.controller';

/** Data sources and records of every workspace. */
@Module({
  imports: [IngestionModule, WorkspacesHttpModule],
  controllers: [DatasourcesController, RecordsController],
})
export class IngestionHttpModule {}
