import { Module } from '@nestjs/common';
import { UrlFetcherModule } from '@labwire/providers';
import { AuditModule } from '../audit/audit.module';
import { JobsModule } from '../jobs/jobs.module';
import { DatasourceRepository } from './datasource.repository';
import { DatasourceService } from './datasource.service';
import { IngestionService } from './ingestion.service';
import { RecordRepository } from './record.repository';
import { RecordService } from './record.service';

/** Data sources, their ingestion and records. Needs OBJECT_STORAGE (StorageModule, global). */
@Module({
  imports: [AuditModule, JobsModule, UrlFetcherModule],
  providers: [DatasourceRepository, RecordRepository, DatasourceService, IngestionService, RecordService],
  exports: [DatasourceService, IngestionService, RecordService],
})
export class IngestionModule {}
