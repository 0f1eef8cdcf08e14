import { QualificationReason } from '../instruments/instrument-qualification';
import { StepKind } from './protocol-definition';

export const EXPERIMENT_STATUSES = ['draft', 'scheduled', 'running', 'completed', 'failed', 'aborted'] as const;
export type ExperimentStatus = (typeof EXPERIMENT_STATUSES)[number];
export const TERMINAL_EXPERIMENT_STATUSES: readonly ExperimentStatus[] = ['completed', 'failed', 'aborted'];

export const STEP_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'skipped', 'aborted'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** An instrument's qualification as recorded when the experiment started. */
export interface QualificationRecord {
  qualified: boolean;
  reasons: QualificationReason[];
  checkedAt: string;
}

/** A role of the protocol and the instrument that fills it. */
export interface ExperimentAssignment {
  role: string;
  instrumentId: string;
  /** recorded at start; null before */
  qualification: QualificationRecord | null;
}

/** Something noticed during a run that does not stop it (an instrument that lost its qualification). */
export interface ExperimentFlag {
  kind: 'qualification_lost';
  instrumentId: string;
  role: string;
  reasons: QualificationReason[];
  at: string;
  /** the step that was about to start */
  step: number;
}

export interface Experiment {
  id: string;
  workspaceId: string;
  protocolId: string;
  protocolVersion: number;
  name: string;
  note: string | null;
  parameters: Record<string, string | number | boolean>;
  status: ExperimentStatus;
  scheduledAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** the step a run is at (or resumes at) */
  currentStep: number;
  abortRequested: boolean;
  /** why the experiment was aborted or failed */
  error: string | null;
  flags: ExperimentFlag[];
  /** the `experiment.run` Jobs-API job, once started */
  jobId: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  assignments: ExperimentAssignment[];
}

export interface ExperimentStep {
  index: number;
  kind: StepKind;
  name: string | null;
  status: StepStatus;
  startedAt: Date | null;
  endedAt: Date | null;
  /** command steps: attempts made (retries count) */
  attempts: number;
  /** what came of it, in a word or a sentence */
  outcome: string | null;
  detail: Record<string, unknown>;
}
