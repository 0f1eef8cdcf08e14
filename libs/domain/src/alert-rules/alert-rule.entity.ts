import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';
import { Instrument } from '../instruments/instrument.entity';
import { Location } from '../instruments/location.entity';
import { Workspace } from '../workspaces/workspace.entity';
import type { RuleCondition } from './alert-rule-condition';

/**
 * `threshold`: a metric above/below/outside/inside a threshold; `no_data`: no reading of a metric for
 * `noDataSeconds`; `connectivity`: the instrument is offline.
 */
export const RULE_KINDS = ['threshold', 'no_data', 'connectivity'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/**
 * A rule raising an alert from telemetry. Scope: one instrument, or the instruments of a type and/or
 * a location (resolved when evaluated, so instruments added later are covered).
 */
@Entity('alert_rules')
@Index('IDX_alert_rules_workspace', ['workspaceId'])
@Check('CHK_alert_rules_kind', `kind IN ('threshold', 'no_data', 'connectivity')`)
@Check('CHK_alert_rules_condition', `condition IS NULL OR condition IN ('above', 'below', 'outside', 'inside')`)
@Check('CHK_alert_rules_priority', `priority IS NULL OR priority BETWEEN 1 AND 5`)
@Check('CHK_alert_rules_durations', `for_seconds >= 0 AND clear_for_seconds >= 0`)
export class AlertRule {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  @ForeignKey(() => Workspace, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  workspaceId!: string;

  @Column('text')
  name!: string;

  @Column('text', { nullable: true })
  description!: string | null;

  @Column('text')
  kind!: RuleKind;

  @Column('boolean', { default: true })
  enabled!: boolean;

  @Column('uuid', { nullable: true })
  @ForeignKey(() => Instrument, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  instrumentId!: string | null;

  @Column('text', { nullable: true })
  instrumentType!: string | null;

  @Column('uuid', { nullable: true })
  @ForeignKey(() => Location, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  locationId!: string | null;

  @Column('text', { nullable: true })
  metric!: string | null;

  @Column('text', { nullable: true })
  condition!: RuleCondition | null;

  @Column('double precision', { nullable: true })
  threshold!: number | null;

  @Column('double precision', { nullable: true })
  low!: number | null;

  @Column('double precision', { nullable: true })
  high!: number | null;

  @Column('double precision', { nullable: true })
  clearThreshold!: number | null;

  @Column('double precision', { nullable: true })
  clearLow!: number | null;

  @Column('double precision', { nullable: true })
  clearHigh!: number | null;

  @Column('integer', { default: 0 })
  forSeconds!: number;

  @Column('integer', { default: 0 })
  clearForSeconds!: number;

  @Column('integer', { nullable: true })
  noDataSeconds!: number | null;

  /** 1 (most urgent) to 5; null: the alert config's default priority */
  @Column('integer', { nullable: true })
  priority!: number | null;

  @Column('text')
  alertKey!: string;

  @VersionColumn({ default: 1 })
  version!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
