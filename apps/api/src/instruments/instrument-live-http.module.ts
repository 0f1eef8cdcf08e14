import { Module } from '@nestjs/common';
import { CommandsModule, InstrumentStateModule } from '@labwire/domain';
import { SseModule } from '../common/sse/sse.module';
import { WorkspacesHttpModule } from '../workspaces/workspaces-http.module';
import { CommandsController } from './commands.controller';
import { InstrumentLiveController } from './instrument-live.controller';

/**
 * Instruments as they live: connection state (history, event stream) and commands, over HTTP. Their
 * status and command-reply topics are the MQTT bridge's (MqttBridgeModule).
 */
@Module({
  imports: [WorkspacesHttpModule, InstrumentStateModule, CommandsModule, SseModule],
  controllers: [InstrumentLiveController, CommandsController],
})
export class InstrumentLiveHttpModule {}
