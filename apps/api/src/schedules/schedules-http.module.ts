import { Module } from '@nestjs/common';
import { SchedulesModule } from '@labwire/domain';
import { WorkspacesHttpModule } from '../workspaces/workspaces-http.module';
import { SchedulesController } from './schedules.controller';

/** Schedules of every workspace. */
@Module({
  imports: [SchedulesModule, WorkspacesHttpModule],
  controllers: [SchedulesController],
})
export class SchedulesHttpModule {}
