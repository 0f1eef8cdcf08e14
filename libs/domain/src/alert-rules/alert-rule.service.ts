import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Page, PageRequest, SortField, toPage, VersionMismatchError } from '@labwire/core';
import { Actor } from '../audit/actor';
import { changedFields, createdChanges, deletedChanges, effectivePatch } from '../audit/audit-changes';
import { AuditService } from '../audit/audit.service';
import { assertWorkspaceRole, WorkspaceMembership } from '../workspaces/workspace-membership';
import { AlertRuleFields, AlertRuleInput, describeScope, ruleFields, ruleInputOf } from './alert-rule-definition';
import { AlertRuleIndexSignal } from './alert-rule-index-signal';
import { AlertRule } from './alert-rule.entity';
import { AlertRuleFilter, AlertRuleRepository, AlertRuleSortField, AlertRuleStateRow } from './alert-rule.repository';
import { AlertRuleNotFoundError, AlertRuleScopeEmptyError } from './alert-rules.errors';

const AUDITED_FIELDS = [
  'name',
  'description',
  'kind',
  'enabled',
  'instrumentId',
  'instrumentType',
  'locationId',
  'metric',
  'condition',
  'threshold',
  'low',
  'high',
  'clearThreshold',
  'clearLow',
  'clearHigh',
  'forSeconds',
  'clearForSeconds',
  'noDataSeconds',
  'priority',
  'alertKey',
] as const;

/**
 * Alert rules of a workspace: viewers read, editors write, every change audited and announced to the
 * workers (which evaluate rules from an in-memory index) once committed.
 */
@Injectable()
export class AlertRuleService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly rules: AlertRuleRepository,
    private readonly audit: AuditService,
    private readonly signal: AlertRuleIndexSignal,
  ) {}

  async list(
    workspaceId: string,
    filter: AlertRuleFilter,
    page: PageRequest,
    sort: SortField<AlertRuleSortField>[],
  ): Promise<Page<AlertRule>> {
    const [items, total] = await this.rules.listInWorkspace(workspaceId, filter, page, sort);
    return toPage(items, total, page);
  }

  async get(workspaceId: string, id: string): Promise<AlertRule> {
    const rule = await this.rules.findInWorkspace(workspaceId, id);
    if (!rule) throw new AlertRuleNotFoundError(id);
    return rule;
  }

  /** The rule's evaluation state per instrument: pending, firing, or suppressed firings. */
  async states(workspaceId: string, id: string): Promise<AlertRuleStateRow[]> {
    await this.get(workspaceId, id);
    return this.rules.listStates(workspaceId, id);
  }

  async create(membership: WorkspaceMembership, input: AlertRuleInput, actor: Actor): Promise<AlertRule> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    const fields = ruleFields(input);
    const rule = await this.dataSource.transaction(async (em) => {
      await this.assertScope(workspaceId, fields, em);
      const created = await this.rules.insert(workspaceId, fields, em);
      await this.audit.record(em, workspaceId, actor, {
        action: 'create',
        entityType: 'alert_rule',
        entityId: created.id,
        changes: createdChanges(created, AUDITED_FIELDS),
      });
      return created;
    });
    await this.signal.changed();
    return rule;
  }

  /**
   * Merges the patch onto the rule and checks the whole again (a patch may switch the condition).
   * With `expectedVersion` (If-Match) a stale version is refused.
   */
  async update(
    membership: WorkspaceMembership,
    id: string,
    patch: Partial<AlertRuleInput>,
    expectedVersion: number | undefined,
    actor: Actor,
  ): Promise<AlertRule> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    const rule = await this.dataSource.transaction(async (em) => {
      const before = await this.rules.lockInWorkspace(workspaceId, id, em);
      if (!before) throw new AlertRuleNotFoundError(id);
      if (expectedVersion !== undefined && expectedVersion !== before.version) {
        throw new VersionMismatchError('Alert rule', before.version);
      }
      const merged = ruleInputOf(before);
      const next = ruleFields({ ...merged, ...patch, scope: patch.scope ?? merged.scope });
      const changes = changedFields(before, next as Partial<AlertRuleFields>);
      if (!Object.keys(changes).length) return before;
      const effective = effectivePatch(next as Partial<AlertRuleFields>, changes);
      await this.assertScope(workspaceId, next, em);
      const bump = await this.rules.update(workspaceId, id, before.version, effective, em);
      if (!bump) throw new VersionMismatchError('Alert rule', before.version);
      await this.audit.record(em, workspaceId, actor, {
        action: 'update',
        entityType: 'alert_rule',
        entityId: id,
        changes,
      });
      return { ...before, ...effective, ...bump };
    });
    await this.signal.changed();
    return rule;
  }

  async remove(membership: WorkspaceMembership, id: string, actor: Actor): Promise<void> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    await this.dataSource.transaction(async (em) => {
      const before = await this.rules.lockInWorkspace(workspaceId, id, em);
      if (!before) throw new AlertRuleNotFoundError(id);
      await this.rules.delete(workspaceId, id, em);
      await this.audit.record(em, workspaceId, actor, {
        action: 'delete',
        entityType: 'alert_rule',
        entityId: id,
        changes: deletedChanges(before, AUDITED_FIELDS),
      });
    });
    await this.signal.changed();
  }

  private async assertScope(workspaceId: string, fields: AlertRuleFields, em: EntityManager): Promise<void> {
    if ((await this.rules.countScope(workspaceId, fields, em)) === 0) {
      throw new AlertRuleScopeEmptyError(describeScope(fields));
    }
  }
}
