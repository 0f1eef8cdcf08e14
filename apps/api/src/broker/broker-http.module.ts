import { Module } from '@nestjs/common';
import { InstrumentsModule } from '@labwire/domain';
import { BrokerModule } from '@labwire/providers';
import { BrokerStartup } from './broker-startup';

/** The broker connection of the api and its boot-time check and reconciliation. */
@Module({
  imports: [BrokerModule, InstrumentsModule],
  providers: [BrokerStartup],
})
export class BrokerHttpModule {}
