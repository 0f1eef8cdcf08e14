import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { Instrument } from '../instruments/instrument.entity';
import { Workspace } from '../workspaces/workspace.entity';
import { AlertRule } from './alert-rule.entity';
import type { RulePhase } from './alert-rule-machine';

/** What the rule still has to tell the alerts service (an outbox, emptied once done). */
export interface PendingRuleAction {
  action: 'trigger' | 'clear';
  /** epoch ms of the sample that caused it */
  at: number;
  value?: number;
}

/**
 * A rule's evaluation state on one instrument, persisted so a restarted (or killed) worker resumes a
 * pending `for` where it was and never fires twice. Rows exist only for pairs that left `idle` once.
 */
@Entity('alert_rule_states')
@Index('IDX_alert_rule_states_instrument', ['instrumentId'])
@Index('IDX_alert_rule_states_workspace', ['workspaceId'])
@Check('CHK_alert_rule_states_phase', `phase IN ('idle', 'pending', 'firing', 'clearing')`)
export class AlertRuleState {
  @PrimaryColumn('uuid')
  @ForeignKey(() => AlertRule, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  ruleId!: string;

  @PrimaryColumn('uuid')
  @ForeignKey(() => Instrument, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  instrumentId!: string;

  @Column('uuid')
  @ForeignKey(() => Workspace, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  workspaceId!: string;

  @Column('text', { default: 'idle' })
  phase!: RulePhase;

  /** pending since, or clearing since */
  @Column('timestamptz', { nullable: true })
  since!: Date | null;

  @Column('timestamptz', { nullable: true })
  firingSince!: Date | null;

  /** the time of the last sample that moved the state (older samples are stale) */
  @Column('timestamptz', { nullable: true })
  lastAt!: Date | null;

  /** whether the firing raised an alert (false: suppressed, the instrument was in maintenance or retired) */
  @Column('boolean', { default: false })
  alerted!: boolean;

  @Column('jsonb', { default: () => "'[]'" })
  pendingActions!: PendingRuleAction[];

  /** when pendingActions last grew: the sweep retries actions left behind by a dead worker */
  @Column('timestamptz', { nullable: true })
  actionsSince!: Date | null;

  /** a performer holds the outbox until then (so two never perform the same actions at once) */
  @Column('timestamptz', { nullable: true })
  claimedUntil!: Date | null;

  /** the last firing kept from raising an alert (instrument in maintenance or retired) */
  @Column('timestamptz', { nullable: true })
  suppressedAt!: Date | null;

  @Column('integer', { default: 0 })
  suppressedCount!: number;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
