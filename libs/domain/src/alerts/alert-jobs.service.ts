import { Injectable } from '@nestjs/common';
import { AlertJobResult, AlertsPublishDisplayResult } from '@labwire/queue';
import { AlertConfigRepository } from './alert-config.repository';
import { AlertDisplayService } from './alert-display.service';
import { AlertRepository } from './alert.repository';
import { AlertTimers } from './alert-timers';
import { AlertsService } from './alerts.service';

/** What the worker's alerts jobs do; each re-checks the alert in the database, so a rerun changes nothing. */
@Injectable()
export class AlertJobsService {
  constructor(
    private readonly alerts: AlertsService,
    private readonly repository: AlertRepository,
    private readonly configs: AlertConfigRepository,
    private readonly timers: AlertTimers,
    private readonly display: AlertDisplayService,
  ) {}

  async escalate(alertId: string, escalations: number): Promise<AlertJobResult> {
    return { outcome: (await this.alerts.escalate(alertId, escalations)) ? 'changed' : 'unchanged' };
  }

  /** Resolves the alert when its last trigger is old enough, or checks again when it was re-triggered since. */
  async autoResolve(alertId: string, round: number): Promise<AlertJobResult> {
    const alert = await this.repository.findAny(alertId);
    if (!alert || alert.state === 'resolved') return { outcome: 'unchanged' };
    const config = await this.configs.findByKey(alert.workspaceId, alert.key);
    const after = config?.autoResolveAfter;
    if (!after) return { outcome: 'unchanged' };
    const dueMs = new Date(alert.lastTriggeredAt).getTime() + after * 1000 - Date.now();
    if (dueMs > 0) {
      await this.timers.scheduleAutoResolve(alertId, round + 1, dueMs / 1000);
      return { outcome: 'rescheduled' };
    }
    if (await this.alerts.autoResolve(alertId, after)) return { outcome: 'changed' };
    // re-triggered between the read and the update: look again later
    await this.timers.scheduleAutoResolve(alertId, round + 1, after);
    return { outcome: 'rescheduled' };
  }

  async publishDisplay(workspaceId: string): Promise<AlertsPublishDisplayResult> {
    return { seq: await this.display.publishOnce(workspaceId, 'all-locations') };
  }
}
