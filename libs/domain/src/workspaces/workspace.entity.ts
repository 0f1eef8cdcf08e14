import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity('workspaces')
@Check('CHK_workspaces_retention', `telemetry_retention_days BETWEEN 1 AND 36500`)
export class Workspace {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text', { nullable: true })
  description!: string | null;

  @Column('uuid', { nullable: true })
  createdBy!: string | null;

  /** How long this workspace's telemetry is kept; older readings are deleted by maintenance. */
  @Column('integer', { default: 365 })
  telemetryRetentionDays!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
