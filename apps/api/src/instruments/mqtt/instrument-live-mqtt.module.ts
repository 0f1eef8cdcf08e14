import { Module } from '@nestjs/common';
import { CommandsModule, InstrumentStateModule } from '@labwire/domain';
import { CommandReplyMqttController } from './command-reply.mqtt-controller';
import { InstrumentStatusMqttController } from './instrument-status.mqtt-controller';

/** Instruments' status and command-reply topics: part of the MQTT bridge (MqttBridgeModule). */
@Module({
  imports: [InstrumentStateModule, CommandsModule],
  controllers: [InstrumentStatusMqttController, CommandReplyMqttController],
})
export class InstrumentLiveMqttModule {}
