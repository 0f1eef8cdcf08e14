import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Page, PageRequest, toPage, ValidationError } from '@labwire/core';
import { InstrumentNotFoundError } from '../instruments/instruments.errors';
import { AlertConfigService, assertAlertKey } from './alert-config.service';
import { AlertFilter, AlertRepository } from './alert.repository';
import { AlertSilenceRepository } from './alert-silence.repository';
import { AlertTransitionRecorder } from './alert-transition-recorder';
import { Alert, AlertActor, AlertTransition } from './alert.types';
import { AlertNotFoundError, AlertResolvedError } from './alerts.errors';

export interface TriggerOptions {
  /** 1 (most urgent) to 5; default: the config's defaultPriority (an open alert keeps its own) */
  priority?: number;
  note?: string | null;
  instrumentId?: string | null;
  actor: AlertActor;
}

export interface ClearOptions {
  note?: string | null;
  instrumentId?: string | null;
  actor: AlertActor;
}

export interface AcknowledgeOptions {
  note?: string | null;
  actor: AlertActor;
}

export interface TriggerResult {
  alert: Alert;
  /** true when this trigger opened the alert, false when it re-triggered the open one */
  opened: boolean;
  /** true when a silence covers it: recorded (history `suppressed`), hidden from displays */
  silenced: boolean;
}

export const MAX_ALERT_NOTE_LENGTH = 2000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The alert lifecycle: trigger (open, or re-trigger the open alert of the key and instrument),
 * clear, acknowledge, and the timed escalation and auto-resolution. Callers are REST, the MQTT bridge,
 * rules and jobs; each passes who it is as `actor`. Every transition is recorded through
 * AlertTransitionRecorder.recordTransition in the transaction that makes it.
 */
@Injectable()
export class AlertsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly alerts: AlertRepository,
    private readonly configs: AlertConfigService,
    private readonly silences: AlertSilenceRepository,
    private readonly recorder: AlertTransitionRecorder,
  ) {}

  async trigger(workspaceId: string, key: string, options: TriggerOptions): Promise<TriggerResult> {
    assertAlertKey(key);
    validatePriority(options.priority);
    const note = validNote(options.note);
    const instrumentId = options.instrumentId ?? null;
    const [result, transitions] = await this.inTransaction(async (em, record) => {
      await this.assertInstrument(workspaceId, instrumentId, em);
      const config = await this.configs.ensure(workspaceId, key, options.actor, em);
      const override = options.priority !== undefined;
      const { alert, inserted } = await this.alerts.upsertTrigger(
        workspaceId,
        key,
        instrumentId,
        options.priority ?? config.defaultPriority,
        override,
        note,
        em,
      );
      const silenced = await this.silences.covers(workspaceId, key, instrumentId, new Date(), em);
      await record({
        action: silenced ? 'suppressed' : inserted ? 'triggered' : 'retriggered',
        alert,
        config,
        actor: options.actor,
        note,
        silenced,
      });
      return { alert, opened: inserted, silenced };
    });
    await this.recorder.committed(transitions);
    return result;
  }

  /** Resolves the open alert of (key, instrument or none); null when none was open (nothing changes). */
  async clear(workspaceId: string, key: string, options: ClearOptions): Promise<Alert | null> {
    assertAlertKey(key);
    const note = validNote(options.note);
    const instrumentId = options.instrumentId ?? null;
    const [alert, transitions] = await this.inTransaction(async (em, record) => {
      await this.assertInstrument(workspaceId, instrumentId, em);
      const cleared = await this.alerts.resolveOpen(workspaceId, key, instrumentId, 'cleared', note, em);
      if (!cleared) return null;
      const config = await this.configs.ensure(workspaceId, key, options.actor, em);
      await record({ action: 'cleared', alert: cleared, config, actor: options.actor, note });
      return cleared;
    });
    await this.recorder.committed(transitions);
    return alert;
  }

  /** Acknowledges an active alert; an acknowledged one is answered unchanged, a resolved one is a conflict. */
  async acknowledge(workspaceId: string, id: string, options: AcknowledgeOptions): Promise<Alert> {
    const note = validNote(options.note);
    const [alert, transitions] = await this.inTransaction(async (em, record) => {
      const acknowledged = await this.alerts.acknowledge(workspaceId, id, note, em);
      if (!acknowledged) return null;
      const config = await this.configs.ensure(workspaceId, acknowledged.key, options.actor, em);
      await record({ action: 'acknowledged', alert: acknowledged, config, actor: options.actor, note });
      return acknowledged;
    });
    await this.recorder.committed(transitions);
    if (alert) return alert;
    const current = await this.get(workspaceId, id);
    if (current.state === 'resolved') throw new AlertResolvedError(id);
    return current;
  }

  /**
   * The escalation job: raises the alert one priority step if it is still active and has escalated
   * exactly `escalations` times (so the job never acts twice). Null when nothing changed.
   */
  async escalate(alertId: string, escalations: number): Promise<Alert | null> {
    const [alert, transitions] = await this.inTransaction(async (em, record) => {
      const escalated = await this.alerts.escalate(alertId, escalations, em);
      if (!escalated) return null;
      const config = await this.configs.ensure(escalated.workspaceId, escalated.key, { kind: 'system' }, em);
      const silenced = await this.silences.covers(
        escalated.workspaceId,
        escalated.key,
        escalated.instrumentId,
        new Date(),
        em,
      );
      await record({
        action: 'escalated',
        alert: escalated,
        config,
        actor: { kind: 'system' },
        note: `not acknowledged within ${config.escalateAfter ?? '?'} s: priority ${escalated.priority + 1} → ${escalated.priority}`,
        silenced,
      });
      return escalated;
    });
    await this.recorder.committed(transitions);
    return alert;
  }

  /** The auto-resolve job: resolves the alert if its last trigger is `afterSeconds` old. Null when nothing changed. */
  async autoResolve(alertId: string, afterSeconds: number): Promise<Alert | null> {
    const [alert, transitions] = await this.inTransaction(async (em, record) => {
      const resolved = await this.alerts.autoResolve(alertId, afterSeconds, em);
      if (!resolved) return null;
      const config = await this.configs.ensure(resolved.workspaceId, resolved.key, { kind: 'system' }, em);
      await record({
        action: 'auto-resolved',
        alert: resolved,
        config,
        actor: { kind: 'system' },
        note: `not triggered again for ${afterSeconds} s`,
      });
      return resolved;
    });
    await this.recorder.committed(transitions);
    return alert;
  }

  async get(workspaceId: string, id: string): Promise<Alert> {
    const alert = await this.alerts.findInWorkspace(workspaceId, id);
    if (!alert) throw new AlertNotFoundError(id);
    return alert;
  }

  async list(workspaceId: string, filter: AlertFilter, page: PageRequest): Promise<Page<Alert>> {
    const [items, total] = await this.alerts.listInWorkspace(workspaceId, filter, page);
    return toPage(items, total, page);
  }

  /** Runs `work` in a transaction; the transitions it records are answered beside its result, for after commit. */
  private async inTransaction<T>(
    work: (
      em: EntityManager,
      record: (t: Parameters<AlertTransitionRecorder['recordTransition']>[1]) => Promise<void>,
    ) => Promise<T>,
  ): Promise<[T, AlertTransition[]]> {
    return this.dataSource.transaction(async (em) => {
      const transitions: AlertTransition[] = [];
      const result = await work(em, async (t) => {
        transitions.push(await this.recorder.recordTransition(em, t));
      });
      return [result, transitions] as [T, AlertTransition[]];
    });
  }

  private async assertInstrument(workspaceId: string, instrumentId: string | null, em: EntityManager): Promise<void> {
    if (!instrumentId) return;
    if (!UUID.test(instrumentId)) throw new InstrumentNotFoundError(instrumentId);
    const rows: unknown[] = await em.query(
      `SELECT 1 FROM instruments WHERE workspace_id = $1 AND id = $2 FOR KEY SHARE`,
      [workspaceId, instrumentId],
    );
    if (!rows.length) throw new InstrumentNotFoundError(instrumentId);
  }
}

function validatePriority(priority: number | undefined): void {
  if (priority !== undefined && !(Number.isInteger(priority) && priority >= 1 && priority <= 5)) {
    throw new ValidationError('priority must be an integer from 1 to 5', [
      { field: 'priority', message: 'must be an integer from 1 (most urgent) to 5' },
    ]);
  }
}

function validNote(note: string | null | undefined): string | null {
  if (note === undefined || note === null) return null;
  if (note.length > MAX_ALERT_NOTE_LENGTH) {
    throw new ValidationError(`note is longer than ${MAX_ALERT_NOTE_LENGTH} characters`, [
      { field: 'note', message: `at most ${MAX_ALERT_NOTE_LENGTH} characters` },
    ]);
  }
  return note;
}
