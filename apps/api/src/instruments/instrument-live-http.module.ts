import { Module } from '@nestjs/common';
import { CommandsModule, InstrumentStateModule } from '@labwire/domain';
import { SseModule } from '../common/sse/sse.module';
import { WorkspacesHttpModule } from '../workspaces/workspaces-http.module';
import { CommandsController } from './commands.controller';
import { InstrumentLiveController } from './instrument-live.controller';
import { CommandReplyMqttController } from './mqtt/command-reply.mqtt-controller';
import { InstrumentStatusMqttController } from './mqtt/instrument-status.mqtt-controller';

/**
 * Instruments as they live: connection state (history, event stream) and commands, over HTTP, and
 * their status and command-reply topics over MQTT (the api's hybrid MQTT transport).
 */
@Module({
  imports: [WorkspacesHttpModule, InstrumentStateModule, CommandsModule, SseModule],
  controllers: [
    InstrumentLiveController,
    CommandsController,
    InstrumentStatusMqttController,
    CommandReplyMqttController,
  ],
})
export class InstrumentLiveHttpModule {}
