import { ApiProperty } from '@nestjs/swagger';
import {
  SCHEDULE_KINDS,
  SCHEDULE_RUN_STATUSES,
  SCHEDULE_RUN_TRIGGERS,
  ScheduleKind,
  ScheduleRun,
  ScheduleRunStatus,
  ScheduleRunTrigger,
  ScheduleStatus,
  ScheduleView,
} from '@labwire/domain';
import { CONFIG_SCHEMAS } from './schedule-input.dto';

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

/** One tick of a schedule, or a run-now: the job it started, or why it was skipped. */
export class ScheduleRunDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({
    enum: SCHEDULE_RUN_TRIGGERS,
    description: 'catch-up: the one run for ticks missed while no worker ran',
  })
  trigger!: ScheduleRunTrigger;

  @ApiProperty({ format: 'date-time', description: 'The tick the run stands for (run-now: when it was asked)' })
  tickAt!: string;

  @ApiProperty({ enum: SCHEDULE_RUN_STATUSES })
  status!: ScheduleRunStatus;

  @ApiProperty({ type: String, nullable: true, description: 'Why it was skipped' })
  reason!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The Jobs-API job of the run' })
  jobId!: string | null;

  @ApiProperty({ type: String, nullable: true, description: "The job's status" })
  jobStatus!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  static from(run: ScheduleRun): ScheduleRunDto {
    return {
      id: run.id,
      trigger: run.trigger,
      tickAt: iso(run.tickAt) as string,
      status: run.status,
      reason: run.reason,
      jobId: run.jobId,
      jobStatus: run.jobStatus,
      createdAt: iso(run.createdAt) as string,
    };
  }
}

export class ScheduleDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ enum: SCHEDULE_KINDS, enumName: 'ScheduleKind' })
  kind!: ScheduleKind;

  @ApiProperty({
    oneOf: CONFIG_SCHEMAS,
  })
  config!: Record<string, unknown>;

  @ApiProperty({ type: String, nullable: true, example: '30 2 * * *' })
  cron!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Europe/Berlin' })
  timezone!: string | null;

  @ApiProperty({ type: Number, nullable: true })
  intervalMs!: number | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  startAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  endAt!: string | null;

  @ApiProperty()
  enabled!: boolean;

  @ApiProperty({
    enum: ['active', 'paused', 'suspended', 'ended'],
    description: 'suspended: its creator can no longer run it (suspendedReason says why); ended: past endAt',
  })
  status!: ScheduleStatus;

  @ApiProperty({ type: String, nullable: true })
  suspendedReason!: string | null;

  @ApiProperty({ type: [String], format: 'date-time', description: 'The next five runs (none unless active)' })
  nextRuns!: string[];

  @ApiProperty({ type: ScheduleRunDto, nullable: true })
  lastRun!: ScheduleRunDto | null;

  @ApiProperty({ format: 'uuid', description: 'The user the runs act as' })
  createdBy!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  static from(s: ScheduleView): ScheduleDto {
    return {
      id: s.id,
      name: s.name,
      kind: s.kind,
      config: s.config as unknown as Record<string, unknown>,
      cron: s.cron,
      timezone: s.timezone,
      intervalMs: s.intervalMs === null ? null : Number(s.intervalMs),
      startAt: iso(s.startAt),
      endAt: iso(s.endAt),
      enabled: s.enabled,
      status: s.status,
      suspendedReason: s.suspendedReason,
      nextRuns: s.nextRuns.map((d) => d.toISOString()),
      lastRun: s.lastRun && ScheduleRunDto.from(s.lastRun),
      createdBy: s.createdBy,
      createdAt: iso(s.createdAt) as string,
      updatedAt: iso(s.updatedAt) as string,
    };
  }
}
