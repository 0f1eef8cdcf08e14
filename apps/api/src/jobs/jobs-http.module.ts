import { Module } from '@nestjs/common';
import { JobsModule } from '@labwire/domain';
import { SseModule } from '../common/sse/sse.module';
import { WorkspacesHttpModule } from '../workspaces/workspaces-http.module';
import { AdminQueuesController } from './admin-queues.controller';
import { JobsController } from './jobs.controller';

/** The Jobs API of every workspace, and the admins' view of the queues. */
@Module({
  imports: [JobsModule, SseModule, WorkspacesHttpModule],
  controllers: [JobsController, AdminQueuesController],
})
export class JobsHttpModule {}
