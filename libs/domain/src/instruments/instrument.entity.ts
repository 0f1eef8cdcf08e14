import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';
import { Workspace } from '../workspaces/workspace.entity';
import { Location } from './location.entity';

export const INSTRUMENT_STATUSES = ['active', 'maintenance', 'offline', 'retired'] as const;
export type InstrumentStatus = (typeof INSTRUMENT_STATUSES)[number];

/** Whether the instrument is connected, as Labwire last learnt it (status topic, data, or silence). */
export const CONNECTION_STATES = ['online', 'offline', 'unknown'] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

/** What a calibration found: within tolerance, out of tolerance, or brought back into tolerance. */
export const CALIBRATION_RESULTS = ['pass', 'fail', 'adjusted'] as const;
export type CalibrationResult = (typeof CALIBRATION_RESULTS)[number];

/** The statuses a maintenance window sets aside and restores when it ends (retired ones are left alone). */
export const MAINTAINABLE_STATUSES = ['active', 'offline'] as const;
export type MaintainableStatus = (typeof MAINTAINABLE_STATUSES)[number];

@Entity('instruments')
@Unique('UQ_instruments_workspace_serial', ['workspaceId', 'serialNumber'])
@Index('IDX_instruments_workspace_name', ['workspaceId', 'name'])
@Index('IDX_instruments_location', ['locationId'])
@Index('IDX_instruments_workspace_calibration_due', ['workspaceId', 'calibrationDueAt'])
@Index('IDX_instruments_maintenance_resume', ['maintenanceResumeStatus'], {
  where: 'maintenance_resume_status IS NOT NULL',
})
@Check('CHK_instruments_status', `status IN ('active', 'maintenance', 'offline', 'retired')`)
@Check('CHK_instruments_connection_state', `connection_state IN ('online', 'offline', 'unknown')`)
@Check('CHK_instruments_expected_interval', `expected_interval_seconds > 0`)
@Check('CHK_instruments_last_calibration_result', `last_calibration_result IN ('pass', 'fail', 'adjusted')`)
@Check('CHK_instruments_maintenance_resume_status', `maintenance_resume_status IN ('active', 'offline')`)
export class Instrument {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  @ForeignKey(() => Workspace, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  workspaceId!: string;

  @Column('uuid', { nullable: true })
  @ForeignKey(() => Location, { onDelete: 'RESTRICT', onUpdate: 'NO ACTION' })
  locationId!: string | null;

  @Column('text')
  name!: string;

  @Column('text', { nullable: true })
  model!: string | null;

  @Column('text', { nullable: true })
  manufacturer!: string | null;

  @Column('text')
  serialNumber!: string;

  @Column('text', { nullable: true })
  type!: string | null;

  @Column('jsonb', { default: () => "'{}'" })
  capabilities!: Record<string, unknown>;

  @Column('text', { default: 'active' })
  status!: InstrumentStatus;

  @Column('text', { nullable: true })
  notes!: string | null;

  @Column('timestamptz', { nullable: true })
  lastCalibratedAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  calibrationDueAt!: Date | null;

  /** The result of the latest calibration record (by performedAt); set only by CalibrationService. */
  @Column('text', { nullable: true })
  lastCalibrationResult!: CalibrationResult | null;

  /**
   * The status a maintenance window set aside while it is open (the status is then `maintenance`);
   * restored and cleared when no window is open any more. Set only by MaintenanceWindowService.
   */
  @Column('text', { nullable: true })
  maintenanceResumeStatus!: MaintainableStatus | null;

  /** When Labwire last received anything from the instrument (telemetry or status). */
  @Column('timestamptz', { nullable: true })
  lastSeenAt!: Date | null;

  /**
   * How often the instrument is expected to send data; once it has been heard from, silence for
   * twice this (plus a grace period) marks it offline. Null: no data-driven check.
   */
  @Column('integer', { nullable: true })
  expectedIntervalSeconds!: number | null;

  /** Connection state; changed only through InstrumentStateService (race-safe, with history). */
  @Column('text', { default: 'unknown' })
  connectionState!: ConnectionState;

  /** When connectionState last changed; null while it has never changed. */
  @Column('timestamptz', { nullable: true })
  stateChangedAt!: Date | null;

  @VersionColumn({ default: 1 })
  version!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
