import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { FieldError, Page, PageRequest, SortField, toPage, ValidationError } from '@labwire/core';
import { JobName } from '@labwire/queue';
import { Actor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';
import { InstrumentNotFoundError } from '../instruments/instruments.errors';
import { Job } from '../jobs/job.entity';
import { JobsService } from '../jobs/jobs.service';
import { assertWorkspaceRole, WorkspaceMembership } from '../workspaces/workspace-membership';
import { Experiment, ExperimentStep, TERMINAL_EXPERIMENT_STATUSES } from './experiment';
import { ExperimentEventPublisher } from './experiment-events';
import { ExperimentQualification } from './experiment-qualification';
import { ExperimentFilter, ExperimentRepository, ExperimentSortField } from './experiment.repository';
import { ExperimentJobInput, ExperimentRunService } from './experiment-run.service';
import { ExperimentStepRepository } from './experiment-step.repository';
import {
  ExperimentNotFoundError,
  ExperimentStateError,
  InstrumentBusyError,
  InstrumentNotQualifiedError,
  ProtocolNotFoundError,
  ProtocolVersionNotFoundError,
} from './experiments.errors';
import { ProtocolDefinition, resolveParameters } from './protocol-definition';
import { ProtocolRepository } from './protocol.repository';

export interface ExperimentInput {
  protocolId: string;
  /** default: the protocol's current version */
  protocolVersion?: number;
  name?: string;
  note?: string | null;
  parameters?: Record<string, unknown>;
  /** role name → instrument id */
  assignments?: Record<string, string>;
}

export type ExperimentUpdate = Omit<Partial<ExperimentInput>, 'protocolId'>;

const lowercased = (a: Record<string, string>) =>
  Object.fromEntries(Object.entries(a).map(([role, id]) => [role, String(id).toLowerCase()]));

/** How far ahead a start may be scheduled. */
const MAX_SCHEDULE_AHEAD_MS = 365 * 86_400_000;

/**
 * Experiments as users handle them: drafted (a protocol version, roles assigned to instruments of the
 * workspace, parameter values), changed while draft, started (now or at `scheduledAt`: an
 * `experiment.run` Jobs-API job), aborted, read with their steps.
 */
@Injectable()
export class ExperimentService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly experiments: ExperimentRepository,
    private readonly steps: ExperimentStepRepository,
    private readonly protocols: ProtocolRepository,
    private readonly qualification: ExperimentQualification,
    private readonly jobs: JobsService,
    private readonly events: ExperimentEventPublisher,
    private readonly audit: AuditService,
    private readonly runs: ExperimentRunService,
  ) {
    // Cancelling the run's job through the Jobs API is an abort of the experiment.
    jobs.onCancel(JobName.ExperimentRun, (em, job, actor) => this.abortForCancelledJob(em, job, actor));
  }

  async list(
    workspaceId: string,
    filter: ExperimentFilter,
    page: PageRequest,
    sort: SortField<ExperimentSortField>[],
  ): Promise<Page<Experiment>> {
    const [items, total] = await this.experiments.listInWorkspace(workspaceId, filter, page, sort);
    return toPage(items, total, page);
  }

  async get(workspaceId: string, id: string): Promise<Experiment> {
    const experiment = await this.experiments.findInWorkspace(workspaceId, id);
    if (!experiment) throw new ExperimentNotFoundError(id);
    return experiment;
  }

  async listSteps(workspaceId: string, id: string): Promise<ExperimentStep[]> {
    await this.get(workspaceId, id);
    return this.steps.list(workspaceId, id);
  }

  async create(membership: WorkspaceMembership, input: ExperimentInput, actor: Actor): Promise<Experiment> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    return this.dataSource.transaction(async (em) => {
      const { version, definition, protocolName } = await this.useVersion(
        workspaceId,
        input.protocolId,
        input.protocolVersion,
        em,
      );
      const parameters = resolveParameters(definition, input.parameters ?? {});
      const assignments = lowercased(input.assignments ?? {});
      await this.checkAssignments(workspaceId, definition, assignments, em);
      const id = await this.experiments.insert(
        workspaceId,
        {
          protocolId: input.protocolId,
          protocolVersion: version,
          name: input.name?.trim() || `${protocolName} ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`,
          note: input.note?.trim() || null,
          parameters,
          createdBy: actor.userId,
        },
        em,
      );
      await this.experiments.assign(workspaceId, id, assignments, em);
      const created = (await this.experiments.findInWorkspace(workspaceId, id, em)) as Experiment;
      await this.audit.record(em, workspaceId, actor, {
        action: 'create',
        entityType: 'experiment',
        entityId: id,
        changes: {
          protocolId: { to: created.protocolId },
          protocolVersion: { to: created.protocolVersion },
          name: { to: created.name },
          parameters: { to: created.parameters },
          assignments: { to: assignments },
        },
      });
      return created;
    });
  }

  /** Changes a draft: name, note, parameter values, assignments (replaced whole), protocol version. */
  async update(
    membership: WorkspaceMembership,
    id: string,
    update: ExperimentUpdate,
    actor: Actor,
  ): Promise<Experiment> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    return this.dataSource.transaction(async (em) => {
      const before = await this.experiments.lockInWorkspace(workspaceId, id, em);
      if (!before) throw new ExperimentNotFoundError(id);
      if (before.status !== 'draft') throw new ExperimentStateError(before.status, 'be changed (only drafts can)');
      const { version, definition } = await this.useVersion(
        workspaceId,
        before.protocolId,
        update.protocolVersion ?? before.protocolVersion,
        em,
      );
      const parameters = resolveParameters(definition, update.parameters ?? before.parameters);
      const assignments = update.assignments
        ? lowercased(update.assignments)
        : Object.fromEntries(before.assignments.map((a) => [a.role, a.instrumentId]));
      await this.checkAssignments(workspaceId, definition, assignments, em);
      await this.experiments.update(
        workspaceId,
        id,
        {
          ...(update.name != null && { name: update.name.trim() }),
          ...(update.note !== undefined && { note: update.note?.trim() || null }),
          parameters,
          protocolVersion: version,
        },
        em,
      );
      if (update.assignments) await this.experiments.assign(workspaceId, id, assignments, em);
      const after = (await this.experiments.findInWorkspace(workspaceId, id, em)) as Experiment;
      await this.audit.record(em, workspaceId, actor, {
        action: 'update',
        entityType: 'experiment',
        entityId: id,
        changes: Object.fromEntries(
          (['name', 'note', 'parameters', 'protocolVersion', 'assignments'] as const)
            .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
            .map((k) => [k, { from: before[k], to: after[k] }]),
        ),
      });
      return after;
    });
  }

  /**
   * Starts a draft now, or schedules it for `scheduledAt`: every role must be assigned, the instruments
   * qualified (unless the protocol says otherwise) and held by no other scheduled or running
   * experiment. Their qualification is recorded, the steps laid out, and the run job queued.
   */
  async start(
    membership: WorkspaceMembership,
    id: string,
    options: { scheduledAt?: Date | null },
    actor: Actor,
  ): Promise<Experiment> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    const scheduledAt = options.scheduledAt ?? null;
    if (scheduledAt && scheduledAt.getTime() > Date.now() + MAX_SCHEDULE_AHEAD_MS) {
      throw new ValidationError('scheduledAt is more than a year ahead', [
        { field: 'scheduledAt', message: 'must be within a year' },
      ]);
    }
    const current = await this.get(workspaceId, id);
    if (current.status !== 'draft') throw new ExperimentStateError(current.status, 'be started (only drafts can)');
    const input: ExperimentJobInput = { experimentId: id, experimentName: current.name };
    const delayMs = scheduledAt ? Math.max(0, scheduledAt.getTime() - Date.now()) : 0;
    await this.jobs.create(workspaceId, actor, {
      kind: JobName.ExperimentRun,
      input: { ...input },
      delayMs,
      link: async (job, em) => {
        const before = await this.experiments.lockInWorkspace(workspaceId, id, em);
        if (!before) throw new ExperimentNotFoundError(id);
        if (before.status !== 'draft') throw new ExperimentStateError(before.status, 'be started (only drafts can)');
        const version = await this.protocols.findVersion(workspaceId, before.protocolId, before.protocolVersion, em);
        if (!version) throw new ProtocolVersionNotFoundError(before.protocolId, before.protocolVersion);
        const { definition } = version;
        const missing = definition.roles.filter((r) => !before.assignments.some((a) => a.role === r.name));
        if (missing.length) {
          throw new ValidationError(
            'Every role needs an instrument before the experiment starts',
            missing.map((r) => ({ field: `assignments.${r.name}`, message: 'no instrument assigned' })),
          );
        }
        const assignments = Object.fromEntries(before.assignments.map((a) => [a.role, a.instrumentId]));
        const checkedAt = new Date().toISOString();
        const qualification = await this.assertQualified(workspaceId, definition, assignments, em);
        for (const a of before.assignments) {
          const q = qualification.get(a.instrumentId) ?? {
            qualified: false,
            reasons: [{ code: 'NOT_FOUND' as const, message: 'no such instrument in this workspace' }],
          };
          await this.experiments.recordQualification(workspaceId, id, a.role, { ...q, checkedAt }, em);
        }
        const holder = await this.experiments.hold(workspaceId, id, em);
        if (holder) throw new InstrumentBusyError(holder.instrumentId, holder.experimentId, holder.name);
        await this.steps.insertAll(workspaceId, id, definition.steps, em);
        await this.experiments.schedule(workspaceId, id, job.id, scheduledAt, em);
        await this.audit.record(em, workspaceId, actor, {
          action: 'update',
          entityType: 'experiment',
          entityId: id,
          changes: {
            status: { from: 'draft', to: 'scheduled' },
            jobId: { to: job.id },
            ...(scheduledAt && { scheduledAt: { to: scheduledAt.toISOString() } }),
          },
        });
      },
    });
    const started = await this.get(workspaceId, id);
    await this.events.status(started);
    return started;
  }

  /**
   * Aborts an experiment: a draft or scheduled one at once; a running one is asked to stop (its run
   * stops the step in progress at once, sends the protocol's abort command and ends it `aborted`).
   * Aborting an aborted experiment answers it unchanged; a finished one cannot be aborted.
   */
  async abort(membership: WorkspaceMembership, id: string, actor: Actor): Promise<Experiment> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    const changed = await this.dataSource.transaction(async (em) => {
      const before = await this.experiments.lockInWorkspace(workspaceId, id, em);
      if (!before) throw new ExperimentNotFoundError(id);
      return this.abortLocked(em, before, actor);
    });
    const after = await this.get(workspaceId, id);
    if (changed) await this.events.status(after);
    return after;
  }

  /**
   * The Jobs API cancels an experiment's run job (its row locked, in the cancel's transaction): the
   * experiment is aborted exactly as by `POST …/abort`. A running one is asked to stop, and its run
   * then also ends the job `cancelled`; a scheduled one ends at once (its queued job is cancelled and
   * removed by the cancel). An experiment that already ended, or is no longer this job's, is left alone.
   */
  private async abortForCancelledJob(em: EntityManager, job: Job, actor: Actor): Promise<(() => Promise<void>) | void> {
    const { experimentId } = job.input as Partial<ExperimentJobInput>;
    if (!experimentId) return;
    const before = await this.experiments.lockInWorkspace(job.workspaceId, experimentId, em);
    if (!before || before.jobId !== job.id || TERMINAL_EXPERIMENT_STATUSES.includes(before.status)) return;
    if (!(await this.abortLocked(em, before, actor))) return;
    // A queued job of a running experiment is between two attempts: no run is there to see the abort
    // request (and the job is removed from the queue), so the abort is carried out here.
    const between = job.status === 'queued' && before.status === 'running';
    return async () => {
      if (between) await this.runs.abortAfterCancelledJob(job.workspaceId, job.id);
      const after = await this.experiments.findInWorkspace(job.workspaceId, experimentId);
      if (after) await this.events.status(after);
    };
  }

  /** The abort itself, on the locked row; false when it was aborted (or asked to stop) already. */
  private async abortLocked(em: EntityManager, before: Experiment, actor: Actor): Promise<boolean> {
    const { workspaceId, id } = before;
    if (before.status === 'aborted' || (before.status === 'running' && before.abortRequested)) return false;
    if (TERMINAL_EXPERIMENT_STATUSES.includes(before.status))
      throw new ExperimentStateError(before.status, 'be aborted');
    if (before.status === 'running') {
      await this.experiments.requestAbort(workspaceId, id, em);
    } else {
      if (before.status === 'scheduled') {
        await this.steps.skipRest(workspaceId, id, em);
        await this.experiments.finish(workspaceId, id, 'aborted', 'aborted before it started', em);
      } else {
        await em.query(
          `UPDATE experiments SET status = 'aborted', error = 'aborted as a draft', finished_at = now(),
             updated_at = now() WHERE id = $1 AND workspace_id = $2`,
          [id, workspaceId],
        );
      }
    }
    await this.audit.record(em, workspaceId, actor, {
      action: 'update',
      entityType: 'experiment',
      entityId: id,
      changes:
        before.status === 'running'
          ? { abortRequested: { from: false, to: true } }
          : { status: { from: before.status, to: 'aborted' } },
    });
    return true;
  }

  /** The version an experiment uses: a given frozen one, or the current one, which this freezes. */
  private async useVersion(
    workspaceId: string,
    protocolId: string,
    requested: number | undefined,
    em: EntityManager,
  ): Promise<{ version: number; definition: ProtocolDefinition; protocolName: string }> {
    const protocol = await this.protocols.lockInWorkspace(workspaceId, protocolId, em);
    if (!protocol) throw new ProtocolNotFoundError(protocolId);
    if (requested !== undefined && requested !== protocol.version) {
      const frozen = await this.protocols.findVersion(workspaceId, protocolId, requested, em);
      if (!frozen) throw new ProtocolVersionNotFoundError(protocolId, requested);
      return { version: requested, definition: frozen.definition, protocolName: frozen.name };
    }
    const version = await this.protocols.freezeCurrentVersion(workspaceId, protocolId, em);
    return { version, definition: protocol.definition, protocolName: protocol.name };
  }

  /**
   * Roles must be the protocol's, each instrument the workspace's, of the role's type and with its
   * capabilities, no instrument in two roles; and qualified unless the protocol says otherwise.
   */
  private async checkAssignments(
    workspaceId: string,
    definition: ProtocolDefinition,
    assignments: Record<string, string>,
    em: EntityManager,
  ): Promise<void> {
    const errors: FieldError[] = [];
    const roles = new Map(definition.roles.map((r) => [r.name, r]));
    const seen = new Map<string, string>();
    for (const [role, instrumentId] of Object.entries(assignments)) {
      if (!roles.has(role)) errors.push({ field: `assignments.${role}`, message: 'is not a role of the protocol' });
      const other = seen.get(instrumentId.toLowerCase());
      if (other) errors.push({ field: `assignments.${role}`, message: `the same instrument fills role ${other}` });
      seen.set(instrumentId.toLowerCase(), role);
    }
    if (errors.length) throw new ValidationError('The assignments do not fit the protocol', errors);
    const ids = Object.values(assignments);
    if (!ids.length) return;
    const found = new Map((await this.experiments.instrumentsInWorkspace(workspaceId, ids, em)).map((i) => [i.id, i]));
    for (const [role, instrumentId] of Object.entries(assignments)) {
      const instrument = found.get(instrumentId.toLowerCase());
      if (!instrument) throw new InstrumentNotFoundError(instrumentId);
      const spec = roles.get(role)!;
      if (spec.type && instrument.type !== spec.type) {
        errors.push({
          field: `assignments.${role}`,
          message: `role ${role} needs an instrument of type "${spec.type}"`,
        });
      }
      const missing = (spec.capabilities ?? []).filter((c) => !instrument.capabilities?.[c]);
      if (missing.length) {
        errors.push({
          field: `assignments.${role}`,
          message: `the instrument lacks capabilities: ${missing.join(', ')}`,
        });
      }
    }
    if (errors.length) throw new ValidationError('The assignments do not fit the protocol', errors);
    await this.assertQualified(workspaceId, definition, assignments, em);
  }

  private async assertQualified(
    workspaceId: string,
    definition: ProtocolDefinition,
    assignments: Record<string, string>,
    em: EntityManager,
  ) {
    const qualification = await this.qualification.check(workspaceId, Object.values(assignments), em);
    if (!definition.requireQualified) return qualification;
    const unqualified = Object.entries(assignments)
      .map(([role, instrumentId]) => ({ role, instrumentId, q: qualification.get(instrumentId) }))
      .filter((a) => a.q && !a.q.qualified)
      .map((a) => ({ role: a.role, instrumentId: a.instrumentId, reasons: a.q!.reasons }));
    if (unqualified.length) throw new InstrumentNotQualifiedError(unqualified);
    return qualification;
  }
}
