import { Module } from '@nestjs/common';
import { AlertRulesModule } from '@labwire/domain';
import { WorkspacesHttpModule } from '../workspaces/workspaces-http.module';
import { AlertRulesController } from './alert-rules.controller';

/** Alert rules of every workspace (evaluated by the worker). */
@Module({
  imports: [AlertRulesModule, WorkspacesHttpModule],
  controllers: [AlertRulesController],
})
export class AlertRulesHttpModule {}
