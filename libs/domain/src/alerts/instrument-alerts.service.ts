import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AlertsService } from './alerts.service';
import { InstrumentAlertMessage } from './instrument-alert-message';

/** Alerts an instrument raises and clears itself over MQTT: always its own alerts (instrumentId = itself). */
@Injectable()
export class InstrumentAlertsService {
  private readonly logger = new Logger('InstrumentAlerts');

  constructor(
    private readonly dataSource: DataSource,
    private readonly alerts: AlertsService,
  ) {}

  /**
   * Records the message; false when the instrument is unknown (deleted meanwhile: the message is
   * dropped). Rejects only when it could not be recorded (the database is away), so the bridge leaves
   * the message unacknowledged and the broker delivers it again.
   */
  async apply(instrumentId: string, message: InstrumentAlertMessage): Promise<boolean> {
    const rows: Array<{ workspaceId: string }> = await this.dataSource.query(
      `SELECT workspace_id AS "workspaceId" FROM instruments WHERE id = $1`,
      [instrumentId],
    );
    const workspaceId = rows[0]?.workspaceId;
    if (!workspaceId) {
      this.logger.warn(`alert from unknown instrument ${instrumentId} dropped`);
      return false;
    }
    const actor = { kind: 'instrument' as const, id: instrumentId };
    if (message.state === 'triggered') {
      await this.alerts.trigger(workspaceId, message.key, {
        priority: message.priority,
        note: message.note,
        instrumentId,
        actor,
      });
    } else {
      await this.alerts.clear(workspaceId, message.key, { note: message.note, instrumentId, actor });
    }
    return true;
  }
}
