import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { MqttPublisher } from '@labwire/providers';
import { LocationNotFoundError } from '../instruments/instruments.errors';
import { JobName, JobProducer } from '@labwire/queue';
import { AlertConfigRepository } from './alert-config.repository';
import { CurrentAlert, currentAlertView } from './alert-current';
import { AlertRepository } from './alert.repository';
import { alertTopics } from './alert-topics';

/** Locations to publish beside the workspace topic: some, or every location of the workspace. */
export type DisplayScope = { locationIds: string[] } | 'all-locations';

interface Pending {
  running: Promise<void>;
  again: boolean;
  all: boolean;
  locations: Set<string>;
}

/**
 * The current alert of a workspace (and of each location) as displays see it, and its retained QoS 1
 * publication on `labwire/workspaces/{id}/alerts/current` (and `…/locations/{id}/alerts/current`).
 *
 * Ordering across replicas: a publication takes the workspace's row in `alert_display_seqs` (an
 * UPDATE, so the row stays locked until commit), reads the current alert in that transaction and
 * publishes while holding the lock, waiting for the broker's PUBACK. Publications of a workspace are
 * therefore serialized across every api and worker process, each carries a larger `seq` than the one
 * before, and each reads the state after every change committed before it, so the last retained
 * message is always the newest state. The seq is committed even when publishing fails (a late
 * delivery of that message can then never share a seq with a later one), and a retry job publishes
 * again, with a larger seq, so a message that reaches the broker late is overwritten.
 *
 * Within a process, publications of one workspace coalesce: while one runs, further requests become
 * one more run that reads the state then (a burst of 200 triggers publishes a few times, ending on
 * the final state).
 */
@Injectable()
export class AlertDisplayService {
  private readonly logger = new Logger('AlertDisplay');
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly alerts: AlertRepository,
    private readonly configs: AlertConfigRepository,
    private readonly publisher: MqttPublisher,
    private readonly jobs: JobProducer,
  ) {}

  /** The current alert now (of the workspace, or of one of its locations), with the seq of the last publication. */
  async current(workspaceId: string, locationId: string | null = null): Promise<CurrentAlert> {
    if (locationId) {
      const found: unknown[] = await this.dataSource.query(
        `SELECT 1 FROM locations WHERE workspace_id = $1 AND id = $2`,
        [workspaceId, locationId],
      );
      if (!found.length) throw new LocationNotFoundError(locationId);
    }
    const rows: Array<{ seq: string }> = await this.dataSource.query(
      `SELECT seq FROM alert_display_seqs WHERE workspace_id = $1`,
      [workspaceId],
    );
    return this.read(workspaceId, locationId, Number(rows[0]?.seq ?? 0));
  }

  private async read(
    workspaceId: string,
    locationId: string | null,
    seq: number,
    em?: EntityManager,
  ): Promise<CurrentAlert> {
    const alert = await this.alerts.current(workspaceId, locationId, new Date(), em);
    const config = alert ? await this.configs.findByKey(workspaceId, alert.key, em) : null;
    return currentAlertView(alert, config, seq);
  }

  /**
   * Publishes the workspace's current alert (and that of the given locations) soon; resolves once a
   * publication that started after this call has finished. Never rejects: a failed publication is
   * logged and retried by a job.
   */
  async refresh(workspaceId: string, scope: DisplayScope = { locationIds: [] }): Promise<void> {
    let p = this.pending.get(workspaceId);
    if (p) {
      p.again = true;
      if (scope === 'all-locations') p.all = true;
      else scope.locationIds.forEach((id) => p!.locations.add(id));
      // the running loop makes one more run, which includes this request
      return p.running;
    }
    p = {
      running: Promise.resolve(),
      again: false,
      all: scope === 'all-locations',
      locations: new Set(scope === 'all-locations' ? [] : scope.locationIds),
    };
    this.pending.set(workspaceId, p);
    const entry = p;
    const loop = async () => {
      try {
        for (;;) {
          const all = entry.all;
          const locations = [...entry.locations];
          entry.again = false;
          entry.all = false;
          entry.locations.clear();
          await this.publishOnce(workspaceId, all ? 'all-locations' : { locationIds: locations });
          if (!entry.again) break;
        }
      } finally {
        this.pending.delete(workspaceId);
      }
    };
    p.running = loop();
    return p.running;
  }

  /**
   * One serialized publication (see the class comment). With the broker connection down it does not
   * wait for it (holding the workspace's row lock up to the publish timeout would stall every change of
   * the workspace): a job publishes a moment later, where `waitForBroker` is set.
   */
  async publishOnce(workspaceId: string, scope: DisplayScope, waitForBroker = false): Promise<number | null> {
    if (!waitForBroker && !this.publisher.connected) {
      this.logger.warn(`broker not connected: the current alert of workspace ${workspaceId} is published by a job`);
      await this.scheduleRetry(workspaceId);
      return null;
    }
    let failed = false;
    const seq = await this.dataSource
      .transaction(async (em) => {
        const rows: Array<{ seq: string }> = await em.query(
          `INSERT INTO alert_display_seqs (workspace_id, seq) VALUES ($1, 1)
           ON CONFLICT (workspace_id) DO UPDATE SET seq = alert_display_seqs.seq + 1 RETURNING seq`,
          [workspaceId],
        );
        const next = Number(rows[0].seq);
        try {
          const messages: Array<[string, CurrentAlert]> = [
            [alertTopics.workspaceCurrent(workspaceId), await this.read(workspaceId, null, next, em)],
          ];
          for (const locationId of await this.locationsFor(workspaceId, scope, em)) {
            messages.push([
              alertTopics.locationCurrent(workspaceId, locationId),
              await this.read(workspaceId, locationId, next, em),
            ]);
          }
          for (const [topic, message] of messages) {
            await this.publisher.publish(topic, JSON.stringify(message), { qos: 1, retain: true });
          }
        } catch (err) {
          failed = true;
          this.logger.warn(`current alert of workspace ${workspaceId} not published: ${(err as Error).message}`);
        }
        return next;
      })
      .catch((err: Error) => {
        // the workspace was deleted meanwhile (foreign key), or the database is away
        this.logger.warn(`current alert of workspace ${workspaceId} not published: ${err.message}`);
        failed = true;
        return null;
      });
    if (failed) await this.scheduleRetry(workspaceId);
    return seq;
  }

  private async scheduleRetry(workspaceId: string): Promise<void> {
    await this.jobs
      .enqueue(
        JobName.AlertsPublishDisplay,
        { workspaceId },
        // one per workspace and 2-second slot: an outage does not pile up a job per change
        { jobId: `alerts-display-retry.${workspaceId}.${Math.floor(Date.now() / 2000)}`, delayMs: 2_000 },
      )
      .catch((err: Error) => this.logger.warn(`display republish of ${workspaceId} not scheduled: ${err.message}`));
  }

  private async locationsFor(workspaceId: string, scope: DisplayScope, em: EntityManager): Promise<string[]> {
    if (scope !== 'all-locations') return [...new Set(scope.locationIds)].sort();
    const rows: Array<{ id: string }> = await em.query(`SELECT id FROM locations WHERE workspace_id = $1 ORDER BY id`, [
      workspaceId,
    ]);
    return rows.map((r) => r.id);
  }
}
