import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Page, PageRequest, toPage, ValidationError } from '@labwire/core';
import { AuditChanges } from '../audit/audit-entry.entity';
import { AuditService } from '../audit/audit.service';
import { auditActorOf } from './alert-actor';
import { AlertConfigFields, AlertConfigRepository } from './alert-config.repository';
import { ALERT_COLOR_PATTERN, ALERT_EFFECTS, ALERT_KEY_PATTERN, AlertActor, AlertConfig } from './alert.types';
import { AlertConfigKeyTakenError, AlertConfigNotFoundError } from './alerts.errors';

export type AlertConfigInput = Partial<AlertConfigFields>;

/** What a key triggered before it had a config gets. */
export const DEFAULT_ALERT_PRIORITY = 3;
export const defaultAlertConfig = (key: string): AlertConfigFields => ({
  name: key,
  description: null,
  defaultPriority: DEFAULT_ALERT_PRIORITY,
  display: { color: 'red', effect: 'steady' },
  autoResolveAfter: null,
  escalateAfter: null,
  notificationChannelIds: [],
  notifyMinPriority: 5,
});

export function assertAlertKey(key: string, field = 'key'): void {
  if (!ALERT_KEY_PATTERN.test(key)) {
    throw new ValidationError(`"${key}" is not an alert key`, [
      {
        field,
        message: 'must be a slug: lowercase letters and digits, with ".", "_" or "-" inside, at most 100 characters',
      },
    ]);
  }
}

function validate(f: AlertConfigFields): void {
  const errors: Array<{ field: string; message: string }> = [];
  if (!f.name.trim()) errors.push({ field: 'name', message: 'must not be blank' });
  const priority = (v: number) => Number.isInteger(v) && v >= 1 && v <= 5;
  if (!priority(f.defaultPriority))
    errors.push({ field: 'defaultPriority', message: 'must be an integer from 1 to 5' });
  if (!priority(f.notifyMinPriority))
    errors.push({ field: 'notifyMinPriority', message: 'must be an integer from 1 to 5' });
  if (!ALERT_COLOR_PATTERN.test(f.display.color))
    errors.push({ field: 'display.color', message: 'must be a named colour or #RRGGBB' });
  if (!(ALERT_EFFECTS as readonly string[]).includes(f.display.effect))
    errors.push({ field: 'display.effect', message: `must be one of ${ALERT_EFFECTS.join(', ')}` });
  for (const field of ['autoResolveAfter', 'escalateAfter'] as const) {
    const v = f[field];
    if (v !== null && !(Number.isInteger(v) && v >= 1 && v <= 365 * 86400))
      errors.push({ field, message: 'must be a whole number of seconds from 1 to 31536000, or null' });
  }
  if (errors.length) throw new ValidationError('The alert config is not valid', errors);
}

function changes(from: AlertConfig | null, to: AlertConfig | null): AuditChanges {
  const out: AuditChanges = {};
  const fields = [
    'key',
    'name',
    'description',
    'defaultPriority',
    'display',
    'autoResolveAfter',
    'escalateAfter',
    'notificationChannelIds',
    'notifyMinPriority',
  ] as const;
  for (const f of fields) {
    const a = from ? from[f] : undefined;
    const b = to ? to[f] : undefined;
    if (JSON.stringify(a) !== JSON.stringify(b)) out[f] = { ...(from && { from: a }), ...(to && { to: b }) };
  }
  return out;
}

/** Alert configs: CRUD (editors write, viewers read) and the config a trigger of an unknown key creates. */
@Injectable()
export class AlertConfigService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly configs: AlertConfigRepository,
    private readonly audit: AuditService,
  ) {}

  async list(workspaceId: string, page: PageRequest): Promise<Page<AlertConfig>> {
    const [items, total] = await this.configs.listInWorkspace(workspaceId, page);
    return toPage(items, total, page);
  }

  async get(workspaceId: string, id: string): Promise<AlertConfig> {
    const config = await this.configs.findInWorkspace(workspaceId, id);
    if (!config) throw new AlertConfigNotFoundError(id);
    return config;
  }

  async create(workspaceId: string, key: string, input: AlertConfigInput, actor: AlertActor): Promise<AlertConfig> {
    assertAlertKey(key);
    const fields = { ...defaultAlertConfig(key), ...stripUndefined(input) };
    validate(fields);
    return this.dataSource.transaction(async (em) => {
      const created = await this.configs.insert(workspaceId, key, fields, em);
      if (!created) throw new AlertConfigKeyTakenError(key);
      await this.record(em, workspaceId, actor, 'create', null, created);
      return created;
    });
  }

  async update(workspaceId: string, id: string, input: AlertConfigInput, actor: AlertActor): Promise<AlertConfig> {
    return this.dataSource.transaction(async (em) => {
      const current = await this.configs.findInWorkspace(workspaceId, id, em);
      if (!current) throw new AlertConfigNotFoundError(id);
      const fields: AlertConfigFields = {
        name: current.name,
        description: current.description,
        defaultPriority: current.defaultPriority,
        display: { ...current.display, ...stripUndefined(input.display ?? {}) },
        autoResolveAfter: current.autoResolveAfter,
        escalateAfter: current.escalateAfter,
        notificationChannelIds: current.notificationChannelIds,
        notifyMinPriority: current.notifyMinPriority,
        ...stripUndefined({ ...input, display: undefined }),
      };
      validate(fields);
      const updated = await this.configs.update(workspaceId, id, fields, em);
      if (!updated) throw new AlertConfigNotFoundError(id);
      await this.record(em, workspaceId, actor, 'update', current, updated);
      return updated;
    });
  }

  /** Deletes the config; its alerts and history stay (a later trigger of the key creates a default config). */
  async delete(workspaceId: string, id: string, actor: AlertActor): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      const deleted = await this.configs.delete(workspaceId, id, em);
      if (!deleted) throw new AlertConfigNotFoundError(id);
      await this.record(em, workspaceId, actor, 'delete', deleted, null);
    });
  }

  /** The key's config, created with the defaults (and audited) when the key is new. */
  async ensure(workspaceId: string, key: string, actor: AlertActor, em: EntityManager): Promise<AlertConfig> {
    const existing = await this.configs.findByKey(workspaceId, key, em);
    if (existing) return existing;
    const created = await this.configs.insert(workspaceId, key, defaultAlertConfig(key), em);
    if (created) {
      await this.record(em, workspaceId, actor, 'create', null, created);
      return created;
    }
    // created meanwhile by a concurrent trigger (the insert waited for its commit)
    const raced = await this.configs.findByKey(workspaceId, key, em);
    if (!raced) throw new Error(`alert config "${key}" conflicted but cannot be read`);
    return raced;
  }

  private async record(
    em: EntityManager,
    workspaceId: string,
    actor: AlertActor,
    action: 'create' | 'update' | 'delete',
    from: AlertConfig | null,
    to: AlertConfig | null,
  ): Promise<void> {
    const id = (to ?? from)!.id;
    await this.audit.record(em, workspaceId, auditActorOf(actor), {
      action,
      entityType: 'alert_config',
      entityId: id,
      changes: changes(from, to),
    });
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
