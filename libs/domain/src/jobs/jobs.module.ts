import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { JobEventPublisher } from './job-events';
import { JobPayloadRepository } from './job-payload.repository';
import { JobRunner } from './job-runner';
import { JobRepository } from './job.repository';
import { JobsService } from './jobs.service';

/** The Jobs API's domain. Needs REDIS and the QueueModule (both global in api and worker). */
@Module({
  imports: [AuditModule],
  providers: [JobRepository, JobPayloadRepository, JobEventPublisher, JobsService, JobRunner],
  exports: [JobsService, JobRunner],
})
export class JobsModule {}
