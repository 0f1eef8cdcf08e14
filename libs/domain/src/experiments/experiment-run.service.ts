import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Command } from '../commands/command.entity';
import { JobContext, JobWork } from '../jobs/job-runner';
import { JobCancelledError, JobPausedError } from '../jobs/jobs.errors';
import { JobsService } from '../jobs/jobs.service';
import { Experiment, ExperimentFlag, ExperimentStep, StepStatus, TERMINAL_EXPERIMENT_STATUSES } from './experiment';
import { ExperimentCommandRunner } from './experiment-command-runner';
import { ExperimentEventPublisher } from './experiment-events';
import { ExperimentQualification } from './experiment-qualification';
import { ExperimentRepository } from './experiment.repository';
import { ExperimentSignals } from './experiment-signals';
import { ExperimentStepRepository } from './experiment-step.repository';
import { ExperimentNotFoundError, ProtocolVersionNotFoundError } from './experiments.errors';
import {
  CommandStep,
  Comparison,
  DEFAULT_RETRIES,
  ProtocolDefinition,
  ProtocolStep,
  substitute,
  WaitForStep,
} from './protocol-definition';
import { ProtocolRepository } from './protocol.repository';
import { RunStoppedError, sleep } from './run-signal';

/** How often a run re-reads its abort flag (pub/sub normally tells it at once). */
const ABORT_POLL_MS = 5000;
/** How often a run reports its progress (a write to its job). */
const PROGRESS_EVERY_MS = 1000;
/** How often a waitFor step reads the metric's latest value. */
const WAIT_FOR_POLL_MS = 250;

export interface ExperimentRunResult extends Record<string, unknown> {
  experimentId: string;
  status: Experiment['status'];
}

/** The job's input (`jobs.input`). */
export interface ExperimentJobInput {
  experimentId: string;
  experimentName: string;
}

interface StepEnd {
  status: StepStatus;
  outcome: string;
  detail: Record<string, unknown>;
  /** the experiment aborts after this step, saying why */
  abort?: string;
}

/** What one run keeps while it goes. */
interface Run {
  experiment: Experiment;
  definition: ProtocolDefinition;
  roles: Map<string, string>;
  signal: AbortSignal;
  /** the command the current step waits for, cancelled should the run be aborted */
  openCommand?: Command;
  /** the step in progress (started, not ended) */
  activeStep?: number;
  flagged: Set<string>;
}

const COMPARE: Record<Comparison, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

/**
 * The `experiment.run` job: runs the protocol version's steps in order, recording each step's start,
 * end, outcome and detail. Everything a step needs to resume is in its row: a run that died resumes at
 * the step in progress, a wait with the time that is left (from the step's recorded start), a command
 * step with the command its idempotency key names (never a second one). Waits are timers in this
 * process (a run costs no CPU while it waits; the experiments queue runs many at once). An abort
 * request (pub/sub, re-read every few seconds) stops the step at once.
 */
@Injectable()
export class ExperimentRunService {
  private readonly logger = new Logger('ExperimentRun');
  /** the runs of this process, stopped (to be resumed elsewhere) when it shuts down */
  private readonly active = new Set<(reason: 'shutdown') => void>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly experiments: ExperimentRepository,
    private readonly steps: ExperimentStepRepository,
    private readonly protocols: ProtocolRepository,
    private readonly commands: ExperimentCommandRunner,
    private readonly signals: ExperimentSignals,
    private readonly events: ExperimentEventPublisher,
    private readonly qualification: ExperimentQualification,
    private readonly jobs: JobsService,
  ) {}

  /**
   * Runs (or resumes) the experiment of this job. When it ends aborted because its job was cancelled
   * (the Jobs API's cancel aborts the experiment in the same transaction), the job ends `cancelled`
   * like any cancelled job, not `succeeded`.
   */
  async run(context: JobContext, jobSignal: AbortSignal): Promise<JobWork<ExperimentRunResult>> {
    const work = await this.runExperiment(context, jobSignal);
    if (work.result.status === 'aborted') {
      try {
        await context.checkpoint();
      } catch (err) {
        if (err instanceof JobCancelledError) throw err;
      }
    }
    return work;
  }

  /**
   * Its job was cancelled without a run to see it (a worker died with the run in progress, and the
   * redelivered job found the cancel before starting): the abort the cancel asked for happens here,
   * as a run would do it (the step in progress ends aborted, the abort command is sent, once).
   */
  async abortAfterCancelledJob(workspaceId: string, jobId: string): Promise<void> {
    const experiment = await this.experiments.findByJob(workspaceId, jobId);
    if (!experiment || experiment.status !== 'running') return;
    const version = await this.protocols.findVersion(workspaceId, experiment.protocolId, experiment.protocolVersion);
    if (!version) return;
    await this.abort(
      {
        experiment,
        definition: version.definition,
        roles: new Map(experiment.assignments.map((a) => [a.role, a.instrumentId])),
        signal: new AbortController().signal,
        flagged: new Set(experiment.flags.map((f) => f.instrumentId)),
      },
      'aborted on request',
    );
  }

  /**
   * The run's job was given up by BullMQ (its workers kept dying) and ended: a cancelled one aborts
   * the experiment (abort command, steps), a failed one fails it; either frees its instruments.
   */
  async endWithAbandonedJob(workspaceId: string, jobId: string): Promise<void> {
    const experiment = await this.experiments.findByJob(workspaceId, jobId);
    if (!experiment || TERMINAL_EXPERIMENT_STATUSES.includes(experiment.status)) return;
    const job = await this.jobs.get(workspaceId, jobId);
    if (job.status === 'cancelled') await this.abortAfterCancelledJob(workspaceId, jobId);
    else
      await this.fail(
        workspaceId,
        experiment.id,
        'the run was given up: its worker stopped while running it, too often',
      );
  }

  private async runExperiment(context: JobContext, jobSignal: AbortSignal): Promise<JobWork<ExperimentRunResult>> {
    const { workspaceId } = context.ref;
    const { experimentId } = context.job.input as unknown as ExperimentJobInput;
    const found = await this.experiments.findInWorkspace(workspaceId, experimentId);
    if (!found) throw new ExperimentNotFoundError(experimentId);
    if (TERMINAL_EXPERIMENT_STATUSES.includes(found.status)) return this.done(found);
    const version = await this.protocols.findVersion(workspaceId, found.protocolId, found.protocolVersion);
    if (!version) throw new ProtocolVersionNotFoundError(found.protocolId, found.protocolVersion);
    const experiment = await this.experiments.markRunning(workspaceId, experimentId);
    if (!experiment) return this.done((await this.experiments.findInWorkspace(workspaceId, experimentId)) ?? found);
    if (found.status !== 'running') await this.events.status(experiment);

    const controller = new AbortController();
    const stop = (reason: 'abort' | 'timeout' | 'shutdown') => {
      if (!controller.signal.aborted) controller.abort(new RunStoppedError(reason));
    };
    this.active.add(stop);
    const onTimeout = () => stop('timeout');
    jobSignal.addEventListener('abort', onTimeout, { once: true });
    const unlisten = await this.signals.onExperiment(experimentId, (message) => {
      const event = JSON.parse(message) as { type: string; experiment?: { abortRequested?: boolean } };
      if (event.type === 'status' && event.experiment?.abortRequested) stop('abort');
    });
    const watchdog = setInterval(() => {
      this.experiments.abortRequested(workspaceId, experimentId).then(
        (requested) => requested && stop('abort'),
        () => undefined,
      );
    }, ABORT_POLL_MS);
    const run: Run = {
      experiment,
      definition: version.definition,
      roles: new Map(experiment.assignments.map((a) => [a.role, a.instrumentId])),
      signal: controller.signal,
      flagged: new Set(experiment.flags.map((f) => f.instrumentId)),
    };
    let reportedAt = 0;
    const total = run.definition.steps.length;
    try {
      if (experiment.abortRequested) throw new RunStoppedError('abort');
      // Between two steps only the two writes that record them are awaited: events (best effort,
      // in order on one connection), progress and the qualification check go alongside.
      for (let index = experiment.currentStep; index < total; index++) {
        const checked = this.checkQualification(run, index);
        const started = await this.steps.start(workspaceId, experimentId, index);
        run.activeStep = index;
        void this.events.step(experimentId, started);
        const end = await this.execute(run, run.definition.steps[index], started);
        await checked;
        // one statement: the step's end and the experiment's next step, together
        const ended = await this.steps.endAndAdvance(workspaceId, experimentId, index, end);
        run.openCommand = undefined;
        run.activeStep = undefined;
        if (ended) void this.events.step(experimentId, ended);
        if (Date.now() - reportedAt >= PROGRESS_EVERY_MS || index + 1 === total) {
          reportedAt = Date.now();
          context
            .progress((index + 1) / total, { total, processed: index + 1 })
            .catch((err: Error) => this.logger.warn(`experiment ${experimentId}: progress not saved: ${err.message}`));
        }
        if (end.abort) return await this.abort(run, end.abort);
      }
      return await this.finish(run, 'completed', null);
    } catch (err) {
      if (!(err instanceof RunStoppedError)) throw err; // BullMQ's next attempt resumes at this step
      if (err.reason === 'shutdown') throw new JobPausedError();
      if (err.reason === 'abort') return await this.abort(run, 'aborted on request');
      return await this.finish(run, 'failed', 'the run passed the job timeout');
    } finally {
      this.active.delete(stop);
      clearInterval(watchdog);
      jobSignal.removeEventListener('abort', onTimeout);
      unlisten();
    }
  }

  /**
   * The process is shutting down: every run stops its step now and is paused (JobPausedError), to be
   * resumed at the same step by the next worker, rather than holding the shutdown for hours of waits.
   */
  pauseAll(): number {
    for (const stop of this.active) stop('shutdown');
    return this.active.size;
  }

  /** A run that failed for good (its job's last attempt): the experiment fails and frees its instruments. */
  async fail(workspaceId: string, experimentId: string, error: string): Promise<void> {
    const changed = await this.dataSource.transaction(async (em) => {
      await this.steps.skipRest(workspaceId, experimentId, em);
      return this.experiments.finish(workspaceId, experimentId, 'failed', error, em);
    });
    const experiment = await this.experiments.findInWorkspace(workspaceId, experimentId);
    if (changed && experiment) await this.events.status(experiment);
  }

  private async execute(run: Run, step: ProtocolStep, row: ExperimentStep): Promise<StepEnd> {
    const startedAt = new Date(row.startedAt as Date).getTime();
    switch (step.kind) {
      case 'mark': {
        const note = step.note ?? null;
        await this.events.mark(run.experiment.id, { step: row.index, label: step.label, note, at: new Date() });
        return { status: 'succeeded', outcome: 'marked', detail: { label: step.label, note } };
      }
      case 'wait':
      case 'record': {
        const remaining = startedAt + step.durationSeconds * 1000 - Date.now();
        await sleep(remaining, run.signal);
        return {
          status: 'succeeded',
          outcome: step.kind === 'wait' ? 'waited' : 'recorded',
          detail: { durationSeconds: step.durationSeconds },
        };
      }
      case 'waitFor':
        return this.waitFor(run, step, startedAt);
      case 'command':
        return this.command(run, step, row);
    }
  }

  private async waitFor(run: Run, step: WaitForStep, startedAt: number): Promise<StepEnd> {
    const instrumentId = run.roles.get(step.role) as string;
    const deadline = startedAt + step.timeoutSeconds * 1000;
    for (;;) {
      const latest = await this.experiments.latestValue(instrumentId, step.metric);
      if (latest && COMPARE[step.comparison](latest.value, step.value)) {
        return {
          status: 'succeeded',
          outcome: 'condition met',
          detail: { value: latest.value, time: new Date(latest.time).toISOString() },
        };
      }
      if (Date.now() >= deadline) {
        const outcome = `${step.metric} ${step.comparison} ${step.value} not met within ${step.timeoutSeconds} s`;
        return {
          status: 'failed',
          outcome,
          detail: { lastValue: latest?.value ?? null },
          ...(step.onTimeout === 'abort' && { abort: `step ${this.label(run, step)}: ${outcome}` }),
        };
      }
      await sleep(Math.min(WAIT_FOR_POLL_MS, deadline - Date.now()), run.signal);
    }
  }

  private async command(run: Run, step: CommandStep, row: ExperimentStep): Promise<StepEnd> {
    const { experiment } = run;
    const instrumentId = run.roles.get(step.role) as string;
    const attempts = step.onFailure === 'retry' ? 1 + (step.retries ?? DEFAULT_RETRIES) : 1;
    const params = substitute(step.params ?? {}, experiment.parameters) as Record<string, unknown>;
    const commandIds: string[] = Array.isArray(row.detail.commandIds) ? (row.detail.commandIds as string[]) : [];
    // the step's start recorded attempt 1; a further attempt is recorded before its command exists, so
    // a run resuming here uses the same key
    for (let attempt = Math.max(1, row.attempts); ; attempt++) {
      if (attempt > row.attempts) {
        await this.steps.setAttempts(experiment.workspaceId, experiment.id, row.index, attempt, { commandIds });
      }
      const command = await this.commands.ensure({
        workspaceId: experiment.workspaceId,
        instrumentId,
        name: step.command,
        params,
        timeoutSeconds: step.timeoutSeconds,
        idempotencyKey: `experiment:${experiment.id}:step:${row.index}:attempt:${attempt}`,
        createdByUserId: experiment.createdBy,
      });
      if (!commandIds.includes(command.id)) commandIds.push(command.id);
      run.openCommand = command;
      const settled = await this.commands.settle(command, run.signal);
      const detail = { commandIds, commandId: settled.id, instrumentId, params, result: settled.result ?? null };
      if (settled.status === 'succeeded') return { status: 'succeeded', outcome: 'succeeded', detail };
      if (attempt < attempts) continue;
      const outcome = `${settled.status}${settled.error ? `: ${settled.error}` : ''}`;
      return {
        status: 'failed',
        outcome,
        detail,
        ...(step.onFailure !== 'continue' && { abort: `step ${this.label(run, step)} failed (${outcome})` }),
      };
    }
  }

  private label(run: Run, step: ProtocolStep): string {
    const index = run.definition.steps.indexOf(step);
    return `${index}${step.name ? ` "${step.name}"` : ''} (${step.kind})`;
  }

  /** Flags each assigned instrument that is no longer qualified (once per instrument). */
  private async checkQualification(run: Run, step: number): Promise<void> {
    const { experiment } = run;
    const ids = [...run.roles.values()].filter((id) => !run.flagged.has(id));
    if (!ids.length) return;
    const now = await this.qualification.check(experiment.workspaceId, ids);
    const flags: ExperimentFlag[] = [];
    for (const [role, instrumentId] of run.roles) {
      const q = now.get(instrumentId);
      if (!q || q.qualified || run.flagged.has(instrumentId)) continue;
      run.flagged.add(instrumentId);
      flags.push({
        kind: 'qualification_lost',
        instrumentId,
        role,
        reasons: q.reasons,
        at: new Date().toISOString(),
        step,
      });
    }
    if (!flags.length) return;
    this.logger.warn(
      `experiment ${experiment.id}: ${flags.map((f) => `${f.instrumentId} ${f.reasons.map((r) => r.message).join(', ')}`).join('; ')}`,
    );
    await this.experiments.addFlags(experiment.workspaceId, experiment.id, flags);
    const updated = await this.experiments.findInWorkspace(experiment.workspaceId, experiment.id);
    if (updated) await this.events.status(updated);
  }

  /**
   * Stops the experiment: the awaited command is cancelled, the protocol's abort command sent (once:
   * its own idempotency key), the step in progress ends `aborted`, the rest are skipped.
   */
  private async abort(run: Run, reason: string): Promise<JobWork<ExperimentRunResult>> {
    const { experiment, definition } = run;
    if (run.openCommand) await this.commands.cancel(run.openCommand);
    if (definition.abortCommand) {
      const instrumentId = run.roles.get(definition.abortCommand.role);
      if (instrumentId) {
        await this.commands
          .ensure({
            workspaceId: experiment.workspaceId,
            instrumentId,
            name: definition.abortCommand.command,
            params: substitute(definition.abortCommand.params, experiment.parameters) as Record<string, unknown>,
            timeoutSeconds: 60,
            idempotencyKey: `experiment:${experiment.id}:abort`,
            createdByUserId: experiment.createdBy,
          })
          .catch((err: Error) =>
            this.logger.warn(`experiment ${experiment.id}: abort command not sent: ${err.message}`),
          );
      }
    }
    // the step in progress, also one a run that died left running
    const index = run.activeStep ?? experiment.currentStep;
    const ended = await this.steps.end(
      experiment.workspaceId,
      experiment.id,
      index,
      { status: 'aborted', outcome: reason, detail: {} },
      undefined,
      ['running'],
    );
    if (ended) await this.events.step(experiment.id, ended);
    return this.finish(run, 'aborted', reason);
  }

  private async finish(
    run: Run,
    status: 'completed' | 'failed' | 'aborted',
    error: string | null,
  ): Promise<JobWork<ExperimentRunResult>> {
    const { workspaceId, id } = run.experiment;
    await this.dataSource.transaction(async (em) => {
      await this.steps.skipRest(workspaceId, id, em);
      await this.experiments.finish(workspaceId, id, status, error, em);
    });
    const ended = (await this.experiments.findInWorkspace(workspaceId, id)) as Experiment;
    this.logger.log(`experiment ${id} ${ended.status}${error ? `: ${error}` : ''}`);
    await this.events.status(ended);
    return this.done(ended, run.definition.steps.length);
  }

  private done(experiment: Experiment, total = experiment.currentStep): JobWork<ExperimentRunResult> {
    return {
      counts: { total, processed: experiment.currentStep },
      result: { experimentId: experiment.id, status: experiment.status },
    };
  }
}
