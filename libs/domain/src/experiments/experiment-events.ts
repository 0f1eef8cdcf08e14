import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, REDIS } from '@labwire/core';
import { Experiment, ExperimentStep } from './experiment';

/** The Redis pub/sub channel of one experiment's changes (api replicas relay it as SSE; runners listen for abort). */
export function experimentEventsChannel(prefix: string, experimentId: string): string {
  return `${prefix}:experiment:${experimentId}`;
}

/** An experiment as its events carry it (times ISO-8601). */
export interface ExperimentSnapshot {
  id: string;
  status: Experiment['status'];
  currentStep: number;
  abortRequested: boolean;
  error: string | null;
  flags: Experiment['flags'];
  startedAt: string | null;
  finishedAt: string | null;
}

export interface StepSnapshot {
  index: number;
  kind: string;
  name: string | null;
  status: string;
  startedAt: string | null;
  endedAt: string | null;
  attempts: number;
  outcome: string | null;
  detail: Record<string, unknown>;
}

/** `status`: the experiment changed; `step`: a step started or ended; `mark`: a mark step annotated the run. */
export type ExperimentEvent =
  | { type: 'status'; experiment: ExperimentSnapshot }
  | { type: 'step'; step: StepSnapshot }
  | { type: 'mark'; mark: { step: number; label: string; note: string | null; at: string } };

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

export function experimentSnapshot(e: Experiment): ExperimentSnapshot {
  return {
    id: e.id,
    status: e.status,
    currentStep: e.currentStep,
    abortRequested: e.abortRequested,
    error: e.error,
    flags: e.flags,
    startedAt: iso(e.startedAt),
    finishedAt: iso(e.finishedAt),
  };
}

export function stepSnapshot(s: ExperimentStep): StepSnapshot {
  return { ...s, startedAt: iso(s.startedAt), endedAt: iso(s.endedAt) };
}

/** Publishes an experiment's changes. Best effort: the rows are the record (the stream starts with the current state). */
@Injectable()
export class ExperimentEventPublisher {
  private readonly logger = new Logger('ExperimentEvents');

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  channel(experimentId: string): string {
    return experimentEventsChannel(this.config.redis.prefix, experimentId);
  }

  status(experiment: Experiment): Promise<void> {
    return this.publish(experiment.id, { type: 'status', experiment: experimentSnapshot(experiment) });
  }

  step(experimentId: string, step: ExperimentStep): Promise<void> {
    return this.publish(experimentId, { type: 'step', step: stepSnapshot(step) });
  }

  mark(experimentId: string, mark: { step: number; label: string; note: string | null; at: Date }): Promise<void> {
    return this.publish(experimentId, { type: 'mark', mark: { ...mark, at: mark.at.toISOString() } });
  }

  private async publish(experimentId: string, event: ExperimentEvent): Promise<void> {
    try {
      await this.redis.publish(this.channel(experimentId), JSON.stringify(event));
    } catch (err) {
      this.logger.warn(`experiment ${experimentId}: event not published: ${(err as Error).message}`);
    }
  }
}
