import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '@labwire/core';
import { OBJECT_STORAGE, ObjectStorage } from '@labwire/providers';
import { JobName, ScheduleTickData, ScheduleTickResult } from '@labwire/queue';
import { Actor } from '../audit/actor';
import { ClassificationJobService } from '../classification/classification-job.service';
import { Datasource } from '../ingestion/datasource';
import { DatasourceRepository } from '../ingestion/datasource.repository';
import { DatasourceNotFoundError } from '../ingestion/ingestion.errors';
import { Job } from '../jobs/job.entity';
import { JobsService } from '../jobs/jobs.service';
import {
  ClassificationScheduleConfig,
  IngestionScheduleConfig,
  Schedule,
  ScheduleRunTrigger,
  scheduleStatus,
  TelemetryExportScheduleConfig,
} from './schedule';
import { TelemetryExportPayload } from './telemetry-export.service';
import { ScheduleRepository } from './schedule.repository';
import { ScheduleCreatorCheck } from './schedule-creator-check';
import { ScheduleRunRepository } from './schedule-run.repository';
import { ScheduleSync } from './schedule-sync';
import { fixedHours, latestDue } from './schedule-timing';
import { ScheduleNotFoundError, ScheduleRunOverlapError, ScheduleSuspendedError } from './schedules.errors';

/** Thrown inside a run's transaction: the tick was taken by another worker (nothing is written). */
class TickTakenError extends Error {}
/** Thrown inside a run's transaction: the previous run is still going (the run is recorded skipped). */
class OverlapError extends Error {
  constructor(readonly jobId: string) {
    super(`the previous run (job ${jobId}) is still going`);
  }
}

type Link = (job: Job, em: EntityManager) => Promise<void>;

/**
 * A schedule's runs. A tick (from its BullMQ job scheduler, on whichever worker takes it) becomes at
 * most one run: the run row, unique on (schedule, tick), is written in the same transaction as the
 * run's job, after the schedule's row is locked, so two workers, a redelivered tick or a tick racing
 * a run-now cannot start two. A tick taken late, after later ticks were due (every worker was down),
 * stands for the latest of them: one catch-up run, however many were missed. A run whose previous
 * run is still queued or running is recorded skipped. Runs act as the schedule's creator, checked
 * every time: a creator who can no longer run it suspends the schedule.
 */
@Injectable()
export class ScheduleRunService {
  private readonly logger = new Logger('Schedules');

  constructor(
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
    private readonly dataSource: DataSource,
    private readonly schedules: ScheduleRepository,
    private readonly runs: ScheduleRunRepository,
    private readonly creators: ScheduleCreatorCheck,
    private readonly sync: ScheduleSync,
    private readonly jobs: JobsService,
    private readonly datasources: DatasourceRepository,
    private readonly classification: ClassificationJobService,
  ) {}

  /** One firing of the schedule's job scheduler; `firedAt`: the tick BullMQ made the job for. */
  async tick(data: ScheduleTickData, firedAt: Date | null, now = new Date()): Promise<ScheduleTickResult> {
    const schedule = await this.schedules.findInWorkspace(data.workspaceId, data.scheduleId);
    if (!schedule || schedule.revision !== data.revision || scheduleStatus(schedule, now) !== 'active') {
      // deleted (maybe while Redis was away), re-timed, paused, suspended or ended: its scheduler goes
      await this.sync.syncOne(data.scheduleId, schedule);
      return {
        outcome: 'dropped',
        reason: schedule ? `schedule is ${scheduleStatus(schedule, now)}` : 'schedule deleted',
      };
    }
    const due = latestDue(schedule, now);
    const tick = [firedAt, due].filter((d): d is Date => d !== null).sort((a, b) => b.getTime() - a.getTime())[0];
    if (!tick) return { outcome: 'dropped', reason: 'before the schedule starts' };
    const trigger: ScheduleRunTrigger = firedAt && due && due > firedAt ? 'catch-up' : 'schedule';
    const tickAt = tick.toISOString();
    const problem = await this.creators.problem(schedule.workspaceId, schedule.createdBy);
    if (problem) {
      await this.suspend(schedule, problem, trigger, tick);
      return { outcome: 'skipped', tickAt, reason: `suspended: ${problem}` };
    }
    try {
      const job = await this.start(schedule, trigger, tick);
      this.logger.log(`schedule ${schedule.id}: ${trigger} run for ${tickAt} started job ${job.id}`);
      return { outcome: 'started', tickAt };
    } catch (err) {
      if (err instanceof TickTakenError) return { outcome: 'dropped', tickAt, reason: 'tick already run' };
      const reason = this.skipReason(err);
      if (!reason) throw err;
      await this.runs.insert(schedule.workspaceId, {
        scheduleId: schedule.id,
        trigger,
        tickAt: tick,
        status: 'skipped',
        reason,
      });
      return { outcome: 'skipped', tickAt, reason };
    }
  }

  /** Run now (an editor asked): a run like a tick's, whatever the timing says; paused schedules too. */
  async runNow(schedule: Schedule, now = new Date()): Promise<Job> {
    if (schedule.suspendedReason) throw new ScheduleSuspendedError(schedule.suspendedReason);
    const problem = await this.creators.problem(schedule.workspaceId, schedule.createdBy);
    if (problem) {
      await this.suspend(schedule, problem, 'manual', now);
      throw new ScheduleSuspendedError(problem);
    }
    try {
      return await this.start(schedule, 'manual', now);
    } catch (err) {
      if (err instanceof OverlapError) {
        await this.runs.insert(schedule.workspaceId, {
          scheduleId: schedule.id,
          trigger: 'manual',
          tickAt: now,
          status: 'skipped',
          reason: err.message,
        });
        throw new ScheduleRunOverlapError(err.jobId);
      }
      throw err;
    }
  }

  /** Why a run that could not start is skipped (recorded), or null for an error to retry. */
  private skipReason(err: unknown): string | null {
    if (err instanceof OverlapError) return err.message;
    if (err instanceof DomainError) return err.message;
    return null;
  }

  private async suspend(schedule: Schedule, reason: string, trigger: ScheduleRunTrigger, tick: Date): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      await this.creators.suspendFor(em, schedule.createdBy, schedule.workspaceId, reason, {
        userId: schedule.createdBy,
      });
      await this.runs.insert(
        schedule.workspaceId,
        { scheduleId: schedule.id, trigger, tickAt: tick, status: 'skipped', reason: `suspended: ${reason}` },
        em,
      );
    });
    await this.sync.syncOne(schedule.id, await this.schedules.findInWorkspace(schedule.workspaceId, schedule.id));
  }

  /** The run's own part of the job's transaction: the schedule locked, no overlap, the run recorded. */
  private runLink(schedule: Schedule, trigger: ScheduleRunTrigger, tick: Date): Link {
    return async (job, em) => {
      const locked = await this.schedules.lockForRun(schedule.workspaceId, schedule.id, em);
      if (!locked) throw new ScheduleNotFoundError(schedule.id);
      // runs of one schedule are serialised by the lock: a tick recorded already is another worker's
      if (trigger !== 'manual' && (await this.runs.tickRecorded(locked.workspaceId, locked.id, tick, em))) {
        throw new TickTakenError();
      }
      if (
        trigger !== 'manual' &&
        fixedHours(locked) &&
        (await this.runs.wallClockTaken(locked.workspaceId, locked.id, tick, locked.timezone ?? 'UTC', em))
      ) {
        throw new TickTakenError(); // the repeated hour of a fall-back night: this wall-clock time ran
      }
      const active = await this.runs.activeJob(schedule.workspaceId, schedule.id, em);
      if (active && active !== job.id) throw new OverlapError(active);
      const recorded = await this.runs.insert(
        schedule.workspaceId,
        { scheduleId: schedule.id, trigger, tickAt: tick, status: 'started', jobId: job.id },
        em,
      );
      if (!recorded) throw new TickTakenError();
    };
  }

  private start(schedule: Schedule, trigger: ScheduleRunTrigger, tick: Date): Promise<Job> {
    const actor: Actor = { userId: schedule.createdBy };
    const link = this.runLink(schedule, trigger, tick);
    switch (schedule.kind) {
      case 'ingestion':
        return this.startIngestion(schedule, schedule.config as IngestionScheduleConfig, actor, tick, link);
      case 'classification':
        return this.startClassification(schedule, schedule.config as ClassificationScheduleConfig, actor, link);
      case 'telemetry-export':
        return this.startExport(schedule, schedule.config as TelemetryExportScheduleConfig, actor, tick, link);
    }
  }

  /** The window ends at the tick (a run-now: when it was asked) and reaches `windowMs` back. */
  private startExport(
    schedule: Schedule,
    config: TelemetryExportScheduleConfig,
    actor: Actor,
    tick: Date,
    link: Link,
  ): Promise<Job> {
    const payload: TelemetryExportPayload = {
      instrumentIds: config.instrumentIds,
      ...(config.metrics?.length && { metrics: config.metrics }),
      from: new Date(tick.getTime() - config.windowMs).toISOString(),
      to: tick.toISOString(),
    };
    return this.jobs.create(schedule.workspaceId, actor, {
      kind: JobName.ScheduleTelemetryExport,
      input: { ...payload, scheduleId: schedule.id },
      payload,
      scheduleId: schedule.id,
      link,
    });
  }

  private async startClassification(
    schedule: Schedule,
    config: ClassificationScheduleConfig,
    actor: Actor,
    link: Link,
  ): Promise<Job> {
    const since =
      config.scope === 'new' ? await this.runs.lastSucceededJobCreatedAt(schedule.workspaceId, schedule.id) : null;
    return this.classification.createForSchedule(
      schedule.workspaceId,
      {
        schemeId: config.schemeId,
        filter: {
          ...(config.datasourceId && { datasourceId: config.datasourceId }),
          ...(since && { createdAfter: since.toISOString() }),
        },
      },
      actor,
      { scheduleId: schedule.id, link },
    );
  }

  /**
   * `new-datasource`: a new data source per run (the URL list, or a copy of the source data source's
   * stored file), ingested as usual. `append`: one data source (the source one, or one made from the
   * URL list on the first run) read again each run, keeping only records whose content hash is new.
   */
  private async startIngestion(
    schedule: Schedule,
    config: IngestionScheduleConfig,
    actor: Actor,
    tick: Date,
    link: Link,
  ): Promise<Job> {
    const { workspaceId } = schedule;
    const source = config.datasourceId
      ? await this.datasources.findInWorkspace(workspaceId, config.datasourceId)
      : null;
    if (config.datasourceId && !source) throw new DatasourceNotFoundError(config.datasourceId);
    if (config.mode === 'append') {
      const target =
        source ??
        (schedule.state.targetDatasourceId
          ? await this.datasources.findInWorkspace(workspaceId, schedule.state.targetDatasourceId)
          : null);
      if (target) return this.ingestionJob(schedule, target.id, target.name, true, link, actor);
    }
    const name =
      config.mode === 'append'
        ? (config.datasourceName ?? schedule.name)
        : `${config.datasourceName ?? schedule.name} (${tick.toISOString()})`;
    const made = await this.storeCopy(schedule, source, config.urls ?? []);
    try {
      return await this.ingestionJob(
        schedule,
        made.id,
        name,
        config.mode === 'append',
        async (job, em) => {
          await link(job, em);
          await this.datasources.insert(
            workspaceId,
            {
              id: made.id,
              name: name.slice(0, 500),
              type: made.type,
              size: made.size,
              checksum: made.checksum,
              options: made.options,
              classifySchemeId: null,
              createdBy: actor.userId,
              scheduleId: schedule.id,
            },
            em,
          );
          if (config.mode === 'append') {
            await this.schedules.setState(
              workspaceId,
              schedule.id,
              { ...schedule.state, targetDatasourceId: made.id },
              em,
            );
          }
        },
        actor,
      );
    } catch (err) {
      await this.storage.delete({ workspaceId, id: made.id }).catch(() => undefined);
      throw err;
    }
  }

  private ingestionJob(
    schedule: Schedule,
    datasourceId: string,
    name: string,
    append: boolean,
    link: Link,
    actor: Actor,
  ): Promise<Job> {
    return this.jobs.create(schedule.workspaceId, actor, {
      kind: JobName.IngestionRun,
      input: { datasourceId, name, mode: append ? 'append' : 'new-datasource', scheduleId: schedule.id },
      payload: { datasourceId, ...(append && { append: true }) },
      scheduleId: schedule.id,
      link: async (job, em) => {
        await link(job, em);
        await this.datasources.setLastJob(schedule.workspaceId, datasourceId, job.id, em);
      },
    });
  }

  /** Stores what a new data source of the run holds: the URL list, or the source's stored bytes. */
  private async storeCopy(
    schedule: Schedule,
    source: Datasource | null,
    urls: string[],
  ): Promise<Pick<Datasource, 'id' | 'type' | 'size' | 'checksum' | 'options'>> {
    const id = randomUUID();
    const key = { workspaceId: schedule.workspaceId, id };
    if (source) {
      await this.storage.put(key, await this.storage.get({ workspaceId: schedule.workspaceId, id: source.id }));
      return { id, type: source.type, size: source.size, checksum: source.checksum, options: source.options };
    }
    const bytes = Buffer.from(urls.join('\n') + '\n', 'utf8');
    await this.storage.put(key, Readable.from([bytes]));
    return {
      id,
      type: 'urls',
      size: bytes.length,
      checksum: createHash('sha256').update(bytes).digest('hex'),
      options: { urlCount: urls.length },
    };
  }
}
