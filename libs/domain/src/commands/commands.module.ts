import { Module } from '@nestjs/common';
import { MqttPublisherModule } from '@labwire/providers';
import { AuditModule } from '../audit/audit.module';
import { LiveModule } from '../live/live.module';
import { CommandDispatcher } from './command-dispatcher';
import { CommandLifecycleService } from './command-lifecycle.service';
import { CommandRepository } from './command.repository';
import { CommandService } from './command.service';

/** Commands to instruments, for api and worker (the JobProducer comes from the global QueueModule). */
@Module({
  imports: [AuditModule, LiveModule, MqttPublisherModule],
  providers: [CommandRepository, CommandDispatcher, CommandService, CommandLifecycleService],
  exports: [CommandService, CommandLifecycleService, CommandDispatcher, CommandRepository],
})
export class CommandsModule {}
