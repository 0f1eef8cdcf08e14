import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { AlertRuleActions } from './alert-rule-actions';
import { AlertRuleEvaluator } from './alert-rule-evaluator';
import { AlertRuleIndex } from './alert-rule-index';
import { AlertRuleStateRepository } from './alert-rule-state.repository';
import { AlertRuleSweepService } from './alert-rule-sweep.service';
import { RuleAlertSink } from './rule-alert-sink';

/** Rule evaluation, for the worker: the in-memory index, the state machine's persistence, the sweep. */
@Module({
  imports: [AlertsModule],
  providers: [
    RuleAlertSink,
    AlertRuleIndex,
    AlertRuleStateRepository,
    AlertRuleActions,
    AlertRuleEvaluator,
    AlertRuleSweepService,
  ],
  exports: [AlertRuleEvaluator, AlertRuleSweepService, AlertRuleIndex, AlertRuleActions],
})
export class AlertRuleEvaluationModule {}
