import { Module } from '@nestjs/common';
import { ClassificationModule } from '@labwire/domain';
import { WorkspacesHttpModule } from '../workspaces/workspaces-http.module';
import { ClassificationJobsController } from './classification-jobs.controller';
import { ClassificationSchemesController } from './classification-schemes.controller';

/** Classification schemes, jobs and results of every workspace. */
@Module({
  imports: [ClassificationModule, WorkspacesHttpModule],
  controllers: [ClassificationSchemesController, ClassificationJobsController],
})
export class ClassificationHttpModule {}
