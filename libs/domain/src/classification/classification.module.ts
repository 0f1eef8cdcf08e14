import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { IngestionModule } from '../ingestion/ingestion.module';
import { RecordRepository } from '../ingestion/record.repository';
import { JobsModule } from '../jobs/jobs.module';
import { ApiKeyCipher } from './api-key-cipher';
import { ClassificationChainService } from './classification-chain.service';
import { ClassificationJobRunRepository } from './classification-job-run.repository';
import { ClassificationJobService } from './classification-job.service';
import { ClassificationResultRepository } from './classification-result.repository';
import { ClassificationRunService } from './classification-run.service';
import { ClassificationSchemeRepository } from './classification-scheme.repository';
import { ClassificationSchemeService } from './classification-scheme.service';
import { ClassifierFactory } from './classifier-factory';

/** Classification schemes, jobs and results. Needs REDIS, the QueueModule and OBJECT_STORAGE (global). */
@Module({
  imports: [AuditModule, JobsModule, IngestionModule],
  providers: [
    ClassificationSchemeRepository,
    ClassificationResultRepository,
    ClassificationJobRunRepository,
    RecordRepository,
    ApiKeyCipher,
    ClassifierFactory,
    ClassificationSchemeService,
    ClassificationJobService,
    ClassificationRunService,
    ClassificationChainService,
  ],
  exports: [
    ClassificationSchemeService,
    ClassificationJobService,
    ClassificationRunService,
    ClassificationChainService,
  ],
})
export class ClassificationModule {}
