import { ApiProperty } from '@nestjs/swagger';
import { EXPERIMENT_STATUSES, Experiment, ExperimentStatus, ExperimentStep, STEP_STATUSES } from '@labwire/domain';

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

export class ExperimentAssignmentDto {
  @ApiProperty()
  role!: string;

  @ApiProperty({ format: 'uuid' })
  instrumentId!: string;

  @ApiProperty({
    type: 'object',
    nullable: true,
    description: 'recorded at start: `{qualified, reasons, checkedAt}`',
    additionalProperties: true,
  })
  qualification!: Record<string, unknown> | null;
}

export class ExperimentDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  protocolId!: string;

  @ApiProperty()
  protocolVersion!: number;

  @ApiProperty()
  name!: string;

  @ApiProperty({ type: String, nullable: true })
  note!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true })
  parameters!: Record<string, unknown>;

  @ApiProperty({ enum: EXPERIMENT_STATUSES })
  status!: ExperimentStatus;

  @ApiProperty({ type: [ExperimentAssignmentDto] })
  assignments!: ExperimentAssignmentDto[];

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  scheduledAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  startedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  finishedAt!: string | null;

  @ApiProperty({ description: 'the step the run is at' })
  currentStep!: number;

  @ApiProperty()
  abortRequested!: boolean;

  @ApiProperty({ type: String, nullable: true, description: 'why it was aborted or failed' })
  error!: string | null;

  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'noticed during the run: `{kind: qualification_lost, instrumentId, role, reasons, at, step}`',
  })
  flags!: Array<Record<string, unknown>>;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'the experiment.run job' })
  jobId!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  createdBy!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  static from(e: Experiment): ExperimentDto {
    return {
      id: e.id,
      protocolId: e.protocolId,
      protocolVersion: e.protocolVersion,
      name: e.name,
      note: e.note,
      parameters: e.parameters,
      status: e.status,
      assignments: e.assignments.map((a) => ({
        role: a.role,
        instrumentId: a.instrumentId,
        qualification: a.qualification as unknown as Record<string, unknown> | null,
      })),
      scheduledAt: iso(e.scheduledAt),
      startedAt: iso(e.startedAt),
      finishedAt: iso(e.finishedAt),
      currentStep: e.currentStep,
      abortRequested: e.abortRequested,
      error: e.error,
      flags: e.flags as unknown as Array<Record<string, unknown>>,
      jobId: e.jobId,
      createdBy: e.createdBy,
      createdAt: iso(e.createdAt) as string,
      updatedAt: iso(e.updatedAt) as string,
    };
  }
}

export class ExperimentStepDto {
  @ApiProperty()
  index!: number;

  @ApiProperty({ enum: ['command', 'wait', 'record', 'waitFor', 'mark'] })
  kind!: string;

  @ApiProperty({ type: String, nullable: true })
  name!: string | null;

  @ApiProperty({ enum: STEP_STATUSES })
  status!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  startedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  endedAt!: string | null;

  @ApiProperty({ description: 'command steps: attempts made' })
  attempts!: number;

  @ApiProperty({ type: String, nullable: true })
  outcome!: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'command: commandIds, commandId, result; waitFor: value; mark: label, note',
  })
  detail!: Record<string, unknown>;

  static from(s: ExperimentStep): ExperimentStepDto {
    return { ...s, startedAt: iso(s.startedAt), endedAt: iso(s.endedAt) };
  }
}

export class MetricSummaryDto {
  @ApiProperty()
  role!: string;

  @ApiProperty({ format: 'uuid' })
  instrumentId!: string;

  @ApiProperty()
  metric!: string;

  @ApiProperty()
  count!: number;

  @ApiProperty()
  min!: number;

  @ApiProperty()
  max!: number;

  @ApiProperty()
  mean!: number;

  @ApiProperty()
  first!: number;

  @ApiProperty()
  last!: number;
}

export class StepDurationDto {
  @ApiProperty()
  index!: number;

  @ApiProperty()
  kind!: string;

  @ApiProperty({ type: String, nullable: true })
  name!: string | null;

  @ApiProperty()
  status!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  startedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  endedAt!: string | null;

  @ApiProperty({ type: Number, nullable: true })
  durationSeconds!: number | null;
}

export class RecordSummaryDto {
  @ApiProperty()
  step!: number;

  @ApiProperty({ type: String, nullable: true })
  name!: string | null;

  @ApiProperty({ format: 'date-time' })
  from!: string;

  @ApiProperty({ format: 'date-time' })
  to!: string;

  @ApiProperty({ type: [MetricSummaryDto] })
  metrics!: MetricSummaryDto[];
}

export class ExperimentSummaryDto {
  @ApiProperty({ format: 'uuid' })
  experimentId!: string;

  @ApiProperty({ enum: EXPERIMENT_STATUSES })
  status!: string;

  @ApiProperty({ format: 'date-time' })
  from!: string;

  @ApiProperty({ format: 'date-time' })
  to!: string;

  @ApiProperty({ type: [StepDurationDto] })
  steps!: StepDurationDto[];

  @ApiProperty({ type: [MetricSummaryDto], description: 'per role and metric over the whole run' })
  overall!: MetricSummaryDto[];

  @ApiProperty({ type: [RecordSummaryDto], description: 'per record step' })
  records!: RecordSummaryDto[];
}
