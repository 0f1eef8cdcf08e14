import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Page, PageRequest, toPage, ValidationError } from '@labwire/core';
import { AuditService } from '../audit/audit.service';
import { InstrumentNotFoundError } from '../instruments/instruments.errors';
import { auditActorOf } from './alert-actor';
import { assertAlertKey } from './alert-config.service';
import { AlertSilence, AlertSilenceRepository } from './alert-silence.repository';
import { AlertTimers } from './alert-timers';
import { AlertActor } from './alert.types';
import { AlertSilenceNotFoundError } from './alerts.errors';

export interface AlertSilenceInput {
  key?: string | null;
  instrumentId?: string | null;
  /** default: now */
  startsAt?: Date;
  endsAt: Date;
  reason: string;
}

/**
 * Silences: a key and/or an instrument, from–to, with a reason. Alerts they cover are still recorded
 * (history `suppressed`) but displays do not show them (and notifications should not be sent). A
 * silence that starts or ends changes what displays show: a delayed job publishes then.
 */
@Injectable()
export class AlertSilenceService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly silences: AlertSilenceRepository,
    private readonly audit: AuditService,
    private readonly timers: AlertTimers,
  ) {}

  /** Whether a silence covers alerts of (key, instrument or none) at `at`. */
  async isSilenced(
    workspaceId: string,
    key: string,
    instrumentId: string | null,
    at: Date = new Date(),
  ): Promise<boolean> {
    return this.silences.covers(workspaceId, key, instrumentId, at);
  }

  async list(workspaceId: string, activeAt: Date | null, page: PageRequest): Promise<Page<AlertSilence>> {
    const [items, total] = await this.silences.listInWorkspace(workspaceId, activeAt, page);
    return toPage(items, total, page);
  }

  async get(workspaceId: string, id: string): Promise<AlertSilence> {
    const silence = await this.silences.findInWorkspace(workspaceId, id);
    if (!silence) throw new AlertSilenceNotFoundError(id);
    return silence;
  }

  async create(workspaceId: string, input: AlertSilenceInput, actor: AlertActor): Promise<AlertSilence> {
    const fields = this.validate(input);
    const created = await this.dataSource.transaction(async (em) => {
      await this.assertInstrument(workspaceId, fields.instrumentId, em);
      const silence = await this.silences.insert(
        workspaceId,
        { ...fields, createdByUserId: auditActorOf(actor).userId },
        em,
      );
      await this.audit.record(em, workspaceId, auditActorOf(actor), {
        action: 'create',
        entityType: 'alert_silence',
        entityId: silence.id,
        changes: {
          key: { to: silence.key },
          instrumentId: { to: silence.instrumentId },
          startsAt: { to: silence.startsAt.toISOString() },
          endsAt: { to: silence.endsAt.toISOString() },
          reason: { to: silence.reason },
        },
      });
      return silence;
    });
    await this.timers.displayChangesAt(workspaceId, [created.startsAt, created.endsAt]);
    return created;
  }

  async update(workspaceId: string, id: string, input: AlertSilenceInput, actor: AlertActor): Promise<AlertSilence> {
    const fields = this.validate(input);
    const [before, after] = await this.dataSource.transaction(async (em) => {
      const current = await this.silences.findInWorkspace(workspaceId, id);
      if (!current) throw new AlertSilenceNotFoundError(id);
      await this.assertInstrument(workspaceId, fields.instrumentId, em);
      const updated = await this.silences.update(workspaceId, id, fields, em);
      if (!updated) throw new AlertSilenceNotFoundError(id);
      await this.audit.record(em, workspaceId, auditActorOf(actor), {
        action: 'update',
        entityType: 'alert_silence',
        entityId: id,
        changes: {
          key: { from: current.key, to: updated.key },
          instrumentId: { from: current.instrumentId, to: updated.instrumentId },
          startsAt: { from: current.startsAt.toISOString(), to: updated.startsAt.toISOString() },
          endsAt: { from: current.endsAt.toISOString(), to: updated.endsAt.toISOString() },
          reason: { from: current.reason, to: updated.reason },
        },
      });
      return [current, updated];
    });
    await this.timers.displayChangesAt(workspaceId, [before.startsAt, before.endsAt, after.startsAt, after.endsAt]);
    return after;
  }

  async delete(workspaceId: string, id: string, actor: AlertActor): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      const deleted = await this.silences.delete(workspaceId, id, em);
      if (!deleted) throw new AlertSilenceNotFoundError(id);
      await this.audit.record(em, workspaceId, auditActorOf(actor), {
        action: 'delete',
        entityType: 'alert_silence',
        entityId: id,
        changes: { key: { from: deleted.key }, instrumentId: { from: deleted.instrumentId } },
      });
    });
    await this.timers.displayChangesAt(workspaceId, [new Date()]);
  }

  private validate(input: AlertSilenceInput) {
    const key = input.key ?? null;
    const instrumentId = input.instrumentId ?? null;
    const startsAt = input.startsAt ?? new Date();
    const errors: Array<{ field: string; message: string }> = [];
    if (key === null && instrumentId === null)
      errors.push({ field: 'key', message: 'a silence needs a key, an instrumentId or both' });
    if (key !== null) assertAlertKey(key);
    if (!(input.endsAt.getTime() > startsAt.getTime()))
      errors.push({ field: 'endsAt', message: 'must be after startsAt' });
    if (!input.reason?.trim()) errors.push({ field: 'reason', message: 'must not be blank' });
    if (errors.length) throw new ValidationError('The silence is not valid', errors);
    return { key, instrumentId, startsAt, endsAt: input.endsAt, reason: input.reason.trim() };
  }

  private async assertInstrument(
    workspaceId: string,
    instrumentId: string | null,
    em: import('typeorm').EntityManager,
  ): Promise<void> {
    if (!instrumentId) return;
    const rows: unknown[] = await em.query(`SELECT 1 FROM instruments WHERE workspace_id = $1 AND id = $2`, [
      workspaceId,
      instrumentId,
    ]);
    if (!rows.length) throw new InstrumentNotFoundError(instrumentId);
  }
}
