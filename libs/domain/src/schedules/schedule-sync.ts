import { Injectable, Logger } from '@nestjs/common';
import { JobName, JobProducer, SchedulesReconcileResult } from '@labwire/queue';
import { Schedule, scheduleStatus } from './schedule';
import { ScheduleRepository } from './schedule.repository';
import { bullRepeat } from './schedule-timing';

const PREFIX = 'schedule:';

/** The BullMQ job scheduler of a schedule's timing revision: a new timing gets a new scheduler. */
export function schedulerIdOf(schedule: Pick<Schedule, 'id' | 'revision'>): string {
  return `${PREFIX}${schedule.id}:${schedule.revision}`;
}

/**
 * Keeps BullMQ's job schedulers in line with the `schedules` table, which is the truth: a schedule
 * that fires (enabled, not suspended, not ended) has exactly the scheduler of its current revision,
 * and no other `schedule:` scheduler exists. An existing scheduler is left as it is (upserting it
 * again would drop a tick that is due but not yet taken, e.g. the catch-up after an outage).
 */
@Injectable()
export class ScheduleSync {
  private readonly logger = new Logger('Schedules');

  constructor(
    private readonly schedules: ScheduleRepository,
    private readonly producer: JobProducer,
  ) {}

  /** One schedule after a change (or the id of one deleted). Best effort: reconcileAll mends what fails. */
  async syncOne(scheduleId: string, schedule: Schedule | null): Promise<void> {
    try {
      const existing = await this.producer.schedulerIds(JobName.ScheduleTick, `${PREFIX}${scheduleId}:`);
      const wanted = schedule && this.fires(schedule) ? schedulerIdOf(schedule) : null;
      for (const id of existing) if (id !== wanted) await this.producer.unschedule(JobName.ScheduleTick, id);
      if (wanted && schedule && !existing.includes(wanted)) await this.upsert(schedule);
    } catch (err) {
      this.logger.warn(
        `schedule ${scheduleId}: job scheduler not synced now (${(err as Error).message}); the worker's reconciliation will`,
      );
    }
  }

  /** Every schedule (the worker, at boot and every minute): schedulers made, stale ones removed. */
  async reconcileAll(): Promise<SchedulesReconcileResult> {
    const firing = await this.schedules.findFiring();
    const wanted = new Map(firing.filter((s) => this.fires(s)).map((s) => [schedulerIdOf(s), s]));
    const existing = new Set(await this.producer.schedulerIds(JobName.ScheduleTick, PREFIX));
    let removed = 0;
    let upserted = 0;
    for (const id of existing) {
      if (wanted.has(id)) continue;
      await this.producer.unschedule(JobName.ScheduleTick, id);
      removed++;
    }
    for (const [id, schedule] of wanted) {
      if (existing.has(id)) continue;
      if (await this.upsert(schedule)) upserted++;
    }
    if (removed || upserted) this.logger.log(`schedules reconciled: ${upserted} scheduler(s) made, ${removed} removed`);
    return { upserted, removed };
  }

  private fires(schedule: Schedule): boolean {
    return scheduleStatus(schedule) === 'active';
  }

  private async upsert(schedule: Schedule): Promise<boolean> {
    const repeat = bullRepeat(schedule, new Date());
    if (!repeat) return false;
    await this.producer.schedule(
      schedulerIdOf(schedule),
      JobName.ScheduleTick,
      { scheduleId: schedule.id, workspaceId: schedule.workspaceId, revision: schedule.revision },
      repeat,
    );
    return true;
  }
}
