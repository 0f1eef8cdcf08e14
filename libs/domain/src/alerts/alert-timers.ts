import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { JobName, JobProducer } from '@labwire/queue';
import { AlertDisplayService } from './alert-display.service';
import { AlertTransitionRecorder } from './alert-transition-recorder';
import { AlertTransition } from './alert.types';

export const escalationJobId = (alertId: string, escalations: number) => `alert-escalate.${alertId}.${escalations}`;
export const autoResolveJobId = (alertId: string, round: number) => `alert-autoresolve.${alertId}.${round}`;

/**
 * What follows a committed transition: displays are published again, an opened alert gets its
 * escalation and auto-resolve jobs (delayed, deterministic ids), an acknowledged or resolved one
 * loses its pending escalation. The jobs re-check the alert in the database, so a job that could not
 * be removed (or ran late) changes nothing it should not.
 */
@Injectable()
export class AlertTimers {
  private readonly logger = new Logger('AlertTimers');

  constructor(
    private readonly dataSource: DataSource,
    private readonly display: AlertDisplayService,
    private readonly jobs: JobProducer,
    recorder: AlertTransitionRecorder,
  ) {
    recorder.onCommitted((transitions) => this.onCommitted(transitions));
  }

  private async onCommitted(transitions: AlertTransition[]): Promise<void> {
    for (const t of transitions) {
      const { alert, config } = t;
      try {
        if ((t.action === 'triggered' || t.action === 'suppressed') && alert.triggerCount === 1) {
          if (config.escalateAfter) await this.scheduleEscalation(alert.id, 0, config.escalateAfter);
          if (config.autoResolveAfter) await this.scheduleAutoResolve(alert.id, 0, config.autoResolveAfter);
        } else if (t.action === 'escalated' && config.escalateAfter && alert.priority > 1) {
          await this.scheduleEscalation(alert.id, alert.escalations, config.escalateAfter);
        } else if (t.action === 'acknowledged' || t.action === 'cleared' || t.action === 'auto-resolved') {
          await this.jobs.remove(JobName.AlertsEscalate, escalationJobId(alert.id, alert.escalations));
        }
      } catch (err) {
        this.logger.warn(`timers of alert ${alert.id} not (un)scheduled: ${(err as Error).message}`);
      }
    }
    const byWorkspace = new Map<string, Set<string>>();
    for (const t of transitions) {
      const ids = byWorkspace.get(t.alert.workspaceId) ?? new Set<string>();
      if (t.alert.instrumentId) ids.add(t.alert.instrumentId);
      byWorkspace.set(t.alert.workspaceId, ids);
    }
    for (const [workspaceId, instrumentIds] of byWorkspace) {
      const locationIds = await this.locationsOf(workspaceId, [...instrumentIds]).catch(() => []);
      await this.display.refresh(workspaceId, { locationIds });
    }
  }

  async scheduleEscalation(alertId: string, escalations: number, afterSeconds: number): Promise<void> {
    await this.jobs.enqueue(
      JobName.AlertsEscalate,
      { alertId, escalations },
      { jobId: escalationJobId(alertId, escalations), delayMs: afterSeconds * 1000 },
    );
  }

  async scheduleAutoResolve(alertId: string, round: number, delaySeconds: number): Promise<void> {
    await this.jobs.enqueue(
      JobName.AlertsAutoResolve,
      { alertId, round },
      { jobId: autoResolveJobId(alertId, round), delayMs: Math.max(0, delaySeconds * 1000) },
    );
  }

  /** Displays change when a silence starts or ends: publish now for instants past, and at each future one. */
  async displayChangesAt(workspaceId: string, instants: Date[]): Promise<void> {
    const now = Date.now();
    if (instants.some((d) => d.getTime() <= now)) await this.display.refresh(workspaceId, 'all-locations');
    for (const at of new Set(instants.map((d) => d.getTime()).filter((t) => t > now))) {
      await this.jobs
        .enqueue(
          JobName.AlertsPublishDisplay,
          { workspaceId },
          // +50 ms: the silence's own boundary is then surely past when the job reads the state
          { jobId: `alerts-display.${workspaceId}.${at}`, delayMs: at - now + 50 },
        )
        .catch((err: Error) =>
          this.logger.warn(`display update at ${new Date(at).toISOString()} not scheduled: ${err.message}`),
        );
    }
  }

  private async locationsOf(workspaceId: string, instrumentIds: string[]): Promise<string[]> {
    if (!instrumentIds.length) return [];
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT DISTINCT location_id AS id FROM instruments
        WHERE workspace_id = $1 AND id = ANY($2::uuid[]) AND location_id IS NOT NULL`,
      [workspaceId, instrumentIds],
    );
    return rows.map((r) => r.id);
  }
}
