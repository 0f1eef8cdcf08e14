import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AlertRuleIndexSignal } from './alert-rule-index-signal';
import { AlertRuleRepository } from './alert-rule.repository';
import { AlertRuleService } from './alert-rule.service';

/** Alert rules as resources (the api's CRUD); needs the global RedisModule and config. */
@Module({
  imports: [AuditModule],
  providers: [AlertRuleRepository, AlertRuleService, AlertRuleIndexSignal],
  exports: [AlertRuleService, AlertRuleIndexSignal],
})
export class AlertRulesModule {}
