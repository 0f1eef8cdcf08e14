import { Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Workspace } from '../workspaces/workspace.entity';
import { ConnectionState, Instrument } from './instrument.entity';

/**
 * What brought a connection state change about: the instrument's status topic (its own message or
 * its last will), telemetry stored after it had gone offline, or silence past its expected interval.
 */
export const STATE_TRANSITION_SOURCES = ['status', 'telemetry', 'silence'] as const;
export type StateTransitionSource = (typeof STATE_TRANSITION_SOURCES)[number];

/** One change of an instrument's connection state; written with the change, never updated. */
@Entity('instrument_state_transitions')
@Index('IDX_instrument_state_transitions_instrument_at', ['instrumentId', 'at'])
export class InstrumentStateTransition {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  @ForeignKey(() => Workspace, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  workspaceId!: string;

  @Column('uuid')
  @ForeignKey(() => Instrument, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  instrumentId!: string;

  @Column('text')
  fromState!: ConnectionState;

  @Column('text')
  toState!: ConnectionState;

  @Column('text')
  source!: StateTransitionSource;

  /** Human-readable cause, e.g. "no data for 75 s (expected every 30 s)". */
  @Column('text')
  reason!: string;

  @Column('timestamptz')
  at!: Date;
}
