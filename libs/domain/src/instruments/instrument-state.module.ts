import { Module } from '@nestjs/common';
import { LiveModule } from '../live/live.module';
import { InstrumentStateRepository } from './instrument-state.repository';
import { InstrumentStateService } from './instrument-state.service';

/**
 * Instruments' connection state and its history, for api and worker alike (no broker needed; the
 * JobProducer comes from the global QueueModule).
 */
@Module({
  imports: [LiveModule],
  providers: [InstrumentStateRepository, InstrumentStateService],
  exports: [InstrumentStateService, InstrumentStateRepository],
})
export class InstrumentStateModule {}
