import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig, Page, PageRequest, SortField, toPage, ValidationError } from '@labwire/core';
import { Actor } from '../audit/actor';
import { changedFields, createdChanges, deletedChanges } from '../audit/audit-changes';
import { AuditService } from '../audit/audit.service';
import { Job } from '../jobs/job.entity';
import { assertWorkspaceRole, WorkspaceMembership } from '../workspaces/workspace-membership';
import { Schedule, ScheduleConfig, ScheduleKind, ScheduleRun, ScheduleStatus, scheduleStatus } from './schedule';
import { ScheduleChanges, ScheduleFilter, ScheduleRepository, ScheduleSortField } from './schedule.repository';
import { ScheduleConfigCheck } from './schedule-config-check';
import { ScheduleCreatorCheck } from './schedule-creator-check';
import { ScheduleRunRepository } from './schedule-run.repository';
import { ScheduleRunService } from './schedule-run.service';
import { ScheduleSync } from './schedule-sync';
import { checkTiming, nextRuns } from './schedule-timing';
import { ScheduleLimitReachedError, ScheduleNotFoundError, ScheduleSuspendedError } from './schedules.errors';

/** How many upcoming runs a schedule shows. */
export const NEXT_RUNS = 5;

/** What creating (or importing) a schedule takes. */
export interface ScheduleInput {
  name: string;
  kind: ScheduleKind;
  config: ScheduleConfig;
  cron?: string | null;
  timezone?: string | null;
  intervalMs?: number | null;
  startAt?: Date | null;
  endAt?: Date | null;
  enabled?: boolean;
}

export type SchedulePatch = Partial<Omit<ScheduleInput, 'kind'>>;

/** A schedule as the API shows it: its status, its next five runs and its last run. */
export interface ScheduleView extends Schedule {
  status: ScheduleStatus;
  nextRuns: Date[];
  lastRun: ScheduleRun | null;
}

const AUDITED = ['name', 'kind', 'config', 'cron', 'timezone', 'intervalMs', 'startAt', 'endAt', 'enabled'] as const;

/**
 * Schedules of a workspace: created (within SCHEDULES_MAX_PER_WORKSPACE, timing and config checked,
 * run as the creator), listed, read with their next runs, changed, paused, resumed, run now and
 * deleted; every change audited and its BullMQ job scheduler synced (the worker reconciles too).
 * `create` and `list` are also what export and import use.
 */
@Injectable()
export class ScheduleService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly schedules: ScheduleRepository,
    private readonly runs: ScheduleRunRepository,
    private readonly runner: ScheduleRunService,
    private readonly sync: ScheduleSync,
    private readonly creators: ScheduleCreatorCheck,
    private readonly configs: ScheduleConfigCheck,
    private readonly audit: AuditService,
  ) {}

  async list(
    workspaceId: string,
    filter: ScheduleFilter,
    page: PageRequest,
    sort: SortField<ScheduleSortField>[],
  ): Promise<Page<ScheduleView>> {
    const [items, total] = await this.schedules.listInWorkspace(workspaceId, filter, page, sort);
    const last = await this.runs.lastOfEach(
      workspaceId,
      items.map((s) => s.id),
    );
    const now = new Date();
    return toPage(
      items.map((s) => this.view(s, last.get(s.id) ?? null, now)),
      total,
      page,
    );
  }

  async get(workspaceId: string, id: string): Promise<ScheduleView> {
    const schedule = await this.find(workspaceId, id);
    return this.view(schedule, await this.runs.last(workspaceId, id), new Date());
  }

  async listRuns(workspaceId: string, id: string, page: PageRequest): Promise<Page<ScheduleRun>> {
    await this.find(workspaceId, id);
    const [items, total] = await this.runs.list(workspaceId, id, page);
    return toPage(items, total, page);
  }

  /** A new schedule (editors), run as `actor` from now on. */
  async create(membership: WorkspaceMembership, input: ScheduleInput, actor: Actor): Promise<ScheduleView> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    const timing = checkTiming(input, this.config.schedules.minIntervalMs);
    const config = await this.configs.check(workspaceId, input.kind, input.config);
    const name = this.checkName(input.name);
    const created = await this.dataSource.transaction(async (em) => {
      const limit = this.config.schedules.maxPerWorkspace;
      if ((await this.schedules.countLocked(workspaceId, em)) >= limit) throw new ScheduleLimitReachedError(limit);
      const row = await this.schedules.insert(
        workspaceId,
        {
          name,
          kind: input.kind,
          config,
          cron: 'cron' in timing ? timing.cron : null,
          timezone: 'cron' in timing ? timing.timezone : null,
          intervalMs: 'intervalMs' in timing ? timing.intervalMs : null,
          startAt: input.startAt ?? null,
          endAt: input.endAt ?? null,
          enabled: input.enabled ?? true,
          createdBy: actor.userId,
        },
        em,
      );
      await this.audit.record(em, workspaceId, actor, {
        action: 'create',
        entityType: 'schedule',
        entityId: row.id,
        changes: createdChanges(row, AUDITED),
      });
      return row;
    });
    await this.sync.syncOne(created.id, created);
    return this.view(created, null, new Date());
  }

  /** Changes name, config, timing, window or `enabled` (editors); a new timing restarts the count. */
  async update(membership: WorkspaceMembership, id: string, patch: SchedulePatch, actor: Actor): Promise<ScheduleView> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    const current = await this.find(workspaceId, id);
    const timingGiven = ['cron', 'timezone', 'intervalMs', 'startAt', 'endAt'].some(
      (k) => patch[k as keyof SchedulePatch] !== undefined,
    );
    const changes: ScheduleChanges = {};
    if (patch.name !== undefined) changes.name = this.checkName(patch.name);
    if (patch.config !== undefined) {
      changes.config = await this.configs.check(workspaceId, current.kind, patch.config);
      // a new URL list or source makes a new data source to append to
      changes.state = {};
    }
    if (patch.enabled !== undefined) changes.enabled = patch.enabled;
    if (timingGiven) {
      const switching = patch.cron !== undefined || patch.intervalMs !== undefined;
      const merged = {
        cron: switching ? (patch.cron ?? null) : current.cron,
        timezone: switching
          ? patch.cron
            ? (patch.timezone ?? current.timezone ?? 'UTC')
            : null
          : (patch.timezone ?? current.timezone),
        intervalMs: switching ? (patch.intervalMs ?? null) : current.intervalMs,
        startAt: patch.startAt !== undefined ? patch.startAt : current.startAt,
        endAt: patch.endAt !== undefined ? patch.endAt : current.endAt,
      };
      const timing = checkTiming(merged, this.config.schedules.minIntervalMs);
      Object.assign(changes, {
        cron: 'cron' in timing ? timing.cron : null,
        timezone: 'cron' in timing ? timing.timezone : null,
        intervalMs: 'intervalMs' in timing ? timing.intervalMs : null,
        startAt: merged.startAt,
        endAt: merged.endAt,
        timingChanged: true,
      });
    }
    return this.change(workspaceId, id, changes, actor);
  }

  /** Stops the schedule firing (its job scheduler is removed); run-now still works. */
  pause(membership: WorkspaceMembership, id: string, actor: Actor): Promise<ScheduleView> {
    assertWorkspaceRole(membership, 'editor');
    return this.change(membership.workspaceId, id, { enabled: false }, actor);
  }

  /**
   * Fires again from the next tick on (missed ticks while paused are not caught up). A suspended
   * schedule resumes only when its creator can run it again (else 409 SCHEDULE_SUSPENDED).
   */
  async resume(membership: WorkspaceMembership, id: string, actor: Actor): Promise<ScheduleView> {
    assertWorkspaceRole(membership, 'editor');
    const current = await this.find(membership.workspaceId, id);
    if (current.suspendedReason) {
      const problem = await this.creators.problem(current.workspaceId, current.createdBy);
      if (problem) throw new ScheduleSuspendedError(problem);
    }
    // the interval grid restarts now, so the paused stretch is not caught up
    return this.change(
      membership.workspaceId,
      id,
      { enabled: true, suspendedReason: null, timingChanged: true },
      actor,
    );
  }

  /** Runs the schedule now (editors): 202 with its job; 409 when the previous run is still going. */
  async runNow(membership: WorkspaceMembership, id: string): Promise<Job> {
    assertWorkspaceRole(membership, 'editor');
    return this.runner.runNow(await this.find(membership.workspaceId, id));
  }

  /** Deletes the schedule (editors); its runs' jobs and data sources stay. Its scheduler goes at once or at the next reconciliation. */
  async remove(membership: WorkspaceMembership, id: string, actor: Actor): Promise<void> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    await this.dataSource.transaction(async (em) => {
      const before = await this.schedules.lockInWorkspace(workspaceId, id, em);
      if (!before) throw new ScheduleNotFoundError(id);
      await this.schedules.delete(workspaceId, id, em);
      await this.audit.record(em, workspaceId, actor, {
        action: 'delete',
        entityType: 'schedule',
        entityId: id,
        changes: deletedChanges(before, AUDITED),
      });
    });
    await this.sync.syncOne(id, null);
  }

  private async change(workspaceId: string, id: string, changes: ScheduleChanges, actor: Actor): Promise<ScheduleView> {
    const after = await this.dataSource.transaction(async (em) => {
      const before = await this.schedules.lockInWorkspace(workspaceId, id, em);
      if (!before) throw new ScheduleNotFoundError(id);
      const updated = (await this.schedules.update(workspaceId, id, changes, em)) as Schedule;
      const audited = changedFields(before, {
        ...(changes.name !== undefined && { name: updated.name }),
        ...(changes.config !== undefined && { config: updated.config }),
        ...(changes.enabled !== undefined && { enabled: updated.enabled }),
        ...(changes.timingChanged && {
          cron: updated.cron,
          timezone: updated.timezone,
          intervalMs: updated.intervalMs,
          startAt: updated.startAt,
          endAt: updated.endAt,
        }),
        ...(changes.suspendedReason !== undefined && { suspendedReason: updated.suspendedReason }),
      });
      if (Object.keys(audited).length) {
        await this.audit.record(em, workspaceId, actor, {
          action: 'update',
          entityType: 'schedule',
          entityId: id,
          changes: audited,
        });
      }
      return updated;
    });
    await this.sync.syncOne(id, after);
    return this.view(after, await this.runs.last(workspaceId, id), new Date());
  }

  private async find(workspaceId: string, id: string): Promise<Schedule> {
    const schedule = await this.schedules.findInWorkspace(workspaceId, id);
    if (!schedule) throw new ScheduleNotFoundError(id);
    return schedule;
  }

  private view(schedule: Schedule, lastRun: ScheduleRun | null, now: Date): ScheduleView {
    const status = scheduleStatus(schedule, now);
    return {
      ...schedule,
      status,
      nextRuns: status === 'active' ? nextRuns(schedule, now, NEXT_RUNS) : [],
      lastRun,
    };
  }

  private checkName(name: string): string {
    const clean = name.trim();
    if (!clean || clean.length > 200) {
      throw new ValidationError('The name is not valid', [{ field: 'name', message: 'must be 1 to 200 characters' }]);
    }
    return clean;
  }
}
