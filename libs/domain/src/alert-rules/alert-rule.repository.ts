import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest, SortField } from '@labwire/core';
import { versionedUpdate, VersionBump } from '../instruments/versioned-update';
import { AlertRuleFields, SCOPE_MATCH_SQL } from './alert-rule-definition';
import { AlertRule, RuleKind } from './alert-rule.entity';

export interface AlertRuleFilter {
  kind?: RuleKind;
  instrumentId?: string;
  alertKey?: string;
  enabled?: boolean;
}

export const ALERT_RULE_SORT_FIELDS = ['name', 'createdAt', 'updatedAt'] as const;
export type AlertRuleSortField = (typeof ALERT_RULE_SORT_FIELDS)[number];

/** A rule's state on one instrument, as the API shows it. */
export interface AlertRuleStateRow {
  instrumentId: string;
  phase: string;
  since: Date | null;
  firingSince: Date | null;
  alerted: boolean;
  suppressedAt: Date | null;
  suppressedCount: number;
  updatedAt: Date;
}

/** `alert_rules`: every method takes the workspace id. */
@Injectable()
export class AlertRuleRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(em?: EntityManager) {
    return (em ?? this.dataSource.manager).getRepository(AlertRule);
  }

  async insert(workspaceId: string, fields: AlertRuleFields, em: EntityManager): Promise<AlertRule> {
    const repo = this.repo(em);
    return repo.save(repo.create({ ...fields, workspaceId }));
  }

  findInWorkspace(workspaceId: string, id: string): Promise<AlertRule | null> {
    return this.repo().findOneBy({ workspaceId, id });
  }

  lockInWorkspace(workspaceId: string, id: string, em: EntityManager): Promise<AlertRule | null> {
    return this.repo(em).findOne({ where: { workspaceId, id }, lock: { mode: 'pessimistic_write' } });
  }

  /** How many instruments of the workspace a scope selects. */
  async countScope(
    workspaceId: string,
    scope: Pick<AlertRuleFields, 'instrumentId' | 'instrumentType' | 'locationId'>,
    em: EntityManager,
  ): Promise<number> {
    const rows: Array<{ n: number }> = await em.query(
      `SELECT count(*)::int AS n
         FROM (SELECT $1::uuid AS workspace_id, $2::uuid AS instrument_id, $3::text AS instrument_type,
                      $4::uuid AS location_id) r
         JOIN instruments i ON ${SCOPE_MATCH_SQL}`,
      [workspaceId, scope.instrumentId, scope.instrumentType, scope.locationId],
    );
    return rows[0].n;
  }

  async listInWorkspace(
    workspaceId: string,
    filter: AlertRuleFilter,
    page: PageRequest,
    sort: SortField<AlertRuleSortField>[],
  ): Promise<[AlertRule[], number]> {
    const qb = this.repo().createQueryBuilder('r').where('r.workspaceId = :workspaceId', { workspaceId });
    if (filter.kind) qb.andWhere('r.kind = :kind', { kind: filter.kind });
    if (filter.instrumentId) qb.andWhere('r.instrumentId = :instrumentId', { instrumentId: filter.instrumentId });
    if (filter.alertKey) qb.andWhere('r.alertKey = :alertKey', { alertKey: filter.alertKey });
    if (filter.enabled !== undefined) qb.andWhere('r.enabled = :enabled', { enabled: filter.enabled });
    for (const s of sort) qb.addOrderBy(`r.${s.field}`, s.direction);
    qb.addOrderBy('r.id', 'ASC');
    return qb
      .skip((page.page - 1) * page.pageSize)
      .take(page.pageSize)
      .getManyAndCount();
  }

  update(
    workspaceId: string,
    id: string,
    version: number,
    patch: Partial<AlertRuleFields>,
    em: EntityManager,
  ): Promise<VersionBump | null> {
    return versionedUpdate(em, AlertRule, { workspaceId, id, version }, patch);
  }

  async delete(workspaceId: string, id: string, em: EntityManager): Promise<void> {
    await em.query('DELETE FROM alert_rules WHERE id = $1 AND workspace_id = $2', [id, workspaceId]);
  }

  /** The rule's state per instrument (only instruments where it ever left idle). */
  listStates(workspaceId: string, ruleId: string): Promise<AlertRuleStateRow[]> {
    return this.dataSource.query(
      `SELECT instrument_id AS "instrumentId", phase, since, firing_since AS "firingSince", alerted,
              suppressed_at AS "suppressedAt", suppressed_count AS "suppressedCount", updated_at AS "updatedAt"
         FROM alert_rule_states WHERE workspace_id = $1 AND rule_id = $2 ORDER BY instrument_id`,
      [workspaceId, ruleId],
    );
  }
}
