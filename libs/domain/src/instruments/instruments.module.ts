import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { InstrumentRepository } from './instrument.repository';
import { InstrumentService } from './instrument.service';
import { LocationRepository } from './location.repository';
import { LocationService } from './location.service';

@Module({
  imports: [AuditModule],
  providers: [InstrumentRepository, InstrumentService, LocationRepository, LocationService],
  exports: [InstrumentService, LocationService],
})
export class InstrumentsModule {}
