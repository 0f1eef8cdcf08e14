import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest } from '@labwire/core';
import { AlertConfig, AlertEffect } from './alert.types';

export interface AlertConfigFields {
  name: string;
  description: string | null;
  defaultPriority: number;
  display: { color: string; effect: AlertEffect };
  autoResolveAfter: number | null;
  escalateAfter: number | null;
  notificationChannelIds: string[];
  notifyMinPriority: number;
}

interface Row extends Omit<AlertConfig, 'display'> {
  displayColor: string;
  displayEffect: AlertEffect;
}

const COLUMNS = `id, workspace_id AS "workspaceId", key, name, description, default_priority AS "defaultPriority",
  display_color AS "displayColor", display_effect AS "displayEffect",
  auto_resolve_after_seconds AS "autoResolveAfter", escalate_after_seconds AS "escalateAfter",
  notification_channel_ids AS "notificationChannelIds", notify_min_priority AS "notifyMinPriority",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

function toConfig(row: Row | undefined): AlertConfig | null {
  if (!row) return null;
  const { displayColor, displayEffect, ...rest } = row;
  return { ...rest, display: { color: displayColor, effect: displayEffect } };
}

function values(f: AlertConfigFields): unknown[] {
  return [
    f.name,
    f.description,
    f.defaultPriority,
    f.display.color,
    f.display.effect,
    f.autoResolveAfter,
    f.escalateAfter,
    f.notificationChannelIds,
    f.notifyMinPriority,
  ];
}

/** Alert configs, in SQL; every method is scoped by workspace. */
@Injectable()
export class AlertConfigRepository {
  constructor(private readonly dataSource: DataSource) {}

  private q(em?: EntityManager) {
    return em ?? this.dataSource.manager;
  }

  /** Inserts the config; null when the key is taken in the workspace. */
  async insert(
    workspaceId: string,
    key: string,
    f: AlertConfigFields,
    em?: EntityManager,
  ): Promise<AlertConfig | null> {
    const rows: Row[] = await this.q(em).query(
      `INSERT INTO alert_configs (workspace_id, key, name, description, default_priority, display_color, display_effect,
                                  auto_resolve_after_seconds, escalate_after_seconds, notification_channel_ids,
                                  notify_min_priority)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::uuid[], $11)
       ON CONFLICT ON CONSTRAINT "UQ_alert_configs_workspace_key" DO NOTHING
       RETURNING ${COLUMNS}`,
      [workspaceId, key, ...values(f)],
    );
    return toConfig(rows[0]);
  }

  async update(workspaceId: string, id: string, f: AlertConfigFields, em?: EntityManager): Promise<AlertConfig | null> {
    const raw: unknown = await this.q(em).query(
      `UPDATE alert_configs SET name = $3, description = $4, default_priority = $5, display_color = $6,
              display_effect = $7, auto_resolve_after_seconds = $8, escalate_after_seconds = $9,
              notification_channel_ids = $10::uuid[], notify_min_priority = $11, updated_at = now()
        WHERE workspace_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [workspaceId, id, ...values(f)],
    );
    const rows = (Array.isArray(raw) && Array.isArray(raw[0]) ? raw[0] : raw) as Row[];
    return toConfig(rows[0]);
  }

  async delete(workspaceId: string, id: string, em?: EntityManager): Promise<AlertConfig | null> {
    const raw: unknown = await this.q(em).query(
      `DELETE FROM alert_configs WHERE workspace_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [workspaceId, id],
    );
    const rows = (Array.isArray(raw) && Array.isArray(raw[0]) ? raw[0] : raw) as Row[];
    return toConfig(rows[0]);
  }

  async findInWorkspace(workspaceId: string, id: string, em?: EntityManager): Promise<AlertConfig | null> {
    const rows: Row[] = await this.q(em).query(
      `SELECT ${COLUMNS} FROM alert_configs WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, id],
    );
    return toConfig(rows[0]);
  }

  async findByKey(workspaceId: string, key: string, em?: EntityManager): Promise<AlertConfig | null> {
    const rows: Row[] = await this.q(em).query(
      `SELECT ${COLUMNS} FROM alert_configs WHERE workspace_id = $1 AND key = $2`,
      [workspaceId, key],
    );
    return toConfig(rows[0]);
  }

  /** The configs of these keys (for listing alerts with their display). */
  async findByKeys(workspaceId: string, keys: string[], em?: EntityManager): Promise<Map<string, AlertConfig>> {
    if (!keys.length) return new Map();
    const rows: Row[] = await this.q(em).query(
      `SELECT ${COLUMNS} FROM alert_configs WHERE workspace_id = $1 AND key = ANY($2::text[])`,
      [workspaceId, keys],
    );
    return new Map(rows.map((r) => [r.key, toConfig(r) as AlertConfig]));
  }

  async listInWorkspace(workspaceId: string, page: PageRequest): Promise<[AlertConfig[], number]> {
    const [rows, count] = await Promise.all([
      this.dataSource.query(
        `SELECT ${COLUMNS} FROM alert_configs WHERE workspace_id = $1 ORDER BY key LIMIT $2 OFFSET $3`,
        [workspaceId, page.pageSize, (page.page - 1) * page.pageSize],
      ) as Promise<Row[]>,
      this.dataSource.query(`SELECT count(*) AS total FROM alert_configs WHERE workspace_id = $1`, [
        workspaceId,
      ]) as Promise<Array<{ total: string }>>,
    ]);
    return [rows.map((r) => toConfig(r) as AlertConfig), Number(count[0].total)];
  }
}
