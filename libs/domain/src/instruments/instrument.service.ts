import { Injectable, Logger, Optional } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Page, PageRequest, SortField, toPage, VersionMismatchError } from '@labwire/core';
import { BrokerUnavailableError } from '@labwire/providers';
import { AlertRuleIndexSignal } from '../alert-rules/alert-rule-index-signal';
import { AlertDisplayService } from '../alerts/alert-display.service';
import { Actor } from '../audit/actor';
import { changedFields, createdChanges, deletedChanges, effectivePatch } from '../audit/audit-changes';
import { AuditService } from '../audit/audit.service';
import { assertWorkspaceRole, WorkspaceMembership } from '../workspaces/workspace-membership';
import {
  BrokerReconcileReport,
  inBatches,
  InstrumentBrokerSync,
  InstrumentCredentials,
} from './instrument-broker-sync';
import { Instrument, InstrumentStatus } from './instrument.entity';
import { InstrumentFields, InstrumentFilter, InstrumentRepository, InstrumentSortField } from './instrument.repository';
import { InstrumentNotFoundError, LocationNotFoundError } from './instruments.errors';
import { LocationRepository } from './location.repository';
import { instrumentAccess } from './instrument-display-access';

export interface InstrumentInput {
  name: string;
  serialNumber: string;
  model?: string | null;
  manufacturer?: string | null;
  type?: string | null;
  capabilities?: Record<string, unknown>;
  status?: InstrumentStatus;
  locationId?: string | null;
  notes?: string | null;
  lastCalibratedAt?: Date | null;
  calibrationDueAt?: Date | null;
  expectedIntervalSeconds?: number | null;
}

const AUDITED_FIELDS = [
  'name',
  'model',
  'manufacturer',
  'serialNumber',
  'type',
  'capabilities',
  'status',
  'locationId',
  'notes',
  'lastCalibratedAt',
  'calibrationDueAt',
  'expectedIntervalSeconds',
] as const;

export interface CreatedInstrument {
  instrument: Instrument;
  /** the MQTT credentials, shown this once; null where no broker is configured (the CLI) */
  credentials: InstrumentCredentials | null;
}

/**
 * The instrument registry of a workspace, with optimistic concurrency on updates, and each
 * instrument's account in the MQTT broker.
 *
 * Broker and database stay consistent this way: every broker change is made inside the database
 * transaction that makes the registry change, after the row is written and locked and just before the
 * commit. If the broker fails, the transaction rolls back and the caller gets the error (nothing
 * changed anywhere). If the commit fails after the broker changed (rare: the row is locked), a created
 * client is removed again at once; any other divergence (a status or deletion the database did not
 * keep) is put right by the reconciliation every api runs at startup (reconcileBroker).
 *
 * Without a broker (the CLI builds this service by hand, e.g. for seed:demo) instruments are created
 * without credentials: the api's startup reconciliation lists them, and rotating their credentials
 * connects them.
 */
@Injectable()
export class InstrumentService {
  private readonly logger = new Logger('InstrumentService');

  constructor(
    private readonly dataSource: DataSource,
    private readonly instruments: InstrumentRepository,
    private readonly locations: LocationRepository,
    private readonly audit: AuditService,
    @Optional() private readonly broker?: InstrumentBrokerSync,
    @Optional() private readonly ruleIndex?: AlertRuleIndexSignal,
    @Optional() private readonly displays?: AlertDisplayService,
  ) {}

  async list(
    workspaceId: string,
    filter: InstrumentFilter,
    page: PageRequest,
    sort: SortField<InstrumentSortField>[],
  ): Promise<Page<Instrument>> {
    const [items, total] = await this.instruments.listInWorkspace(workspaceId, filter, page, sort);
    return toPage(items, total, page);
  }

  async get(workspaceId: string, id: string): Promise<Instrument> {
    const instrument = await this.instruments.findInWorkspace(workspaceId, id);
    if (!instrument) throw new InstrumentNotFoundError(id);
    return instrument;
  }

  async create(membership: WorkspaceMembership, input: InstrumentInput, actor: Actor): Promise<CreatedInstrument> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    const fields: InstrumentFields = {
      name: input.name.trim(),
      serialNumber: input.serialNumber.trim(),
      model: input.model ?? null,
      manufacturer: input.manufacturer ?? null,
      type: input.type ?? null,
      capabilities: input.capabilities ?? {},
      status: input.status ?? 'active',
      locationId: input.locationId ?? null,
      notes: input.notes ?? null,
      lastCalibratedAt: input.lastCalibratedAt ?? null,
      calibrationDueAt: input.calibrationDueAt ?? null,
      expectedIntervalSeconds: input.expectedIntervalSeconds ?? null,
    };
    let provisioned: string | undefined;
    try {
      const created = await this.dataSource.transaction(async (em) => {
        if (this.broker) await this.instruments.lockRegistryForBroker(em, 'shared');
        await this.assertLocation(workspaceId, fields.locationId, em);
        const instrument = await this.instruments.insert(workspaceId, fields, em);
        await this.audit.record(em, workspaceId, actor, {
          action: 'create',
          entityType: 'instrument',
          entityId: instrument.id,
          changes: createdChanges(instrument, AUDITED_FIELDS),
        });
        // Last step before the commit: a broker failure rolls the instrument back.
        const credentials = this.broker
          ? await this.broker.issueCredentials(instrument.id, instrument.status, instrumentAccess(instrument))
          : null;
        if (credentials) provisioned = instrument.id;
        return { instrument, credentials };
      });
      await this.ruleIndex?.changed();
      return created;
    } catch (err) {
      if (provisioned && this.broker) {
        // The commit failed after the broker accepted the client: take it back (reconciliation would too).
        await this.broker.remove(provisioned).catch((cleanup: Error) => {
          this.logger.warn(
            `could not remove the broker client of uncommitted instrument ${provisioned}: ${cleanup.message}`,
          );
        });
      }
      throw err;
    }
  }

  /**
   * Issues a new MQTT secret for the instrument (editor): the old one stops working at once and its
   * open sessions are closed. A retired instrument gets a secret too, but stays locked out until
   * it is brought back into service.
   */
  async rotateCredentials(membership: WorkspaceMembership, id: string, actor: Actor): Promise<InstrumentCredentials> {
    assertWorkspaceRole(membership, 'editor');
    const broker = this.requireBroker();
    const { workspaceId } = membership;
    return this.dataSource.transaction(async (em) => {
      // The lock keeps a concurrent delete or retirement from interleaving with the broker change.
      const instrument = await this.instruments.lockInWorkspace(workspaceId, id, em);
      if (!instrument) throw new InstrumentNotFoundError(id);
      await this.audit.record(em, workspaceId, actor, {
        action: 'update',
        entityType: 'instrument',
        entityId: id,
        changes: { mqttSecret: { to: 'rotated' } },
      });
      return broker.issueCredentials(id, instrument.status, instrumentAccess(instrument));
    });
  }

  /**
   * Brings the broker in line with the registry, idempotently; every api runs it at startup, while
   * other replicas may be serving requests, so it never acts on a stale view:
   * 1. Clients with drift (enabled while retired or the reverse, role missing) are repaired each in a
   *    transaction holding the instrument's row lock, from the status read under that lock; a
   *    concurrent retirement or deletion waits or has already won.
   * 2. Orphans (instrument-named clients without an instrument) are removed under the registry lock
   *    taken exclusively, so no creation or deletion is in flight while the two lists are compared.
   * Instruments without a client (or without a secret) are not given one: Labwire never kept their
   * secret and a passwordless client would connect nothing, while every change makes the dynamic
   * security plugin rewrite its whole file. They are reported and logged; rotating their credentials
   * connects them again.
   */
  async reconcileBroker(): Promise<BrokerReconcileReport> {
    const broker = this.requireBroker();
    const drift = await broker.drift(await this.instruments.listAllForBroker());
    let repaired = 0;
    await inBatches(drift.toRepair, (id) =>
      this.dataSource.transaction(async (em) => {
        const current = await this.instruments.lockAnyForBroker(id, em);
        if (!current) return;
        await broker.repair(id, current.status, instrumentAccess(current));
        repaired++;
      }),
    );
    const removed = await this.dataSource.transaction(async (em) => {
      await this.instruments.lockRegistryForBroker(em, 'exclusive');
      const ids = (await this.instruments.listAllForBroker(em)).map((i) => i.id);
      return broker.removeOrphans(ids);
    });
    broker.logNeedsRotation(drift.needsRotation);
    return { needsRotation: drift.needsRotation, repaired, removed, unchanged: drift.unchanged };
  }

  /**
   * Applies a patch atomically: the row is locked, `expectedVersion` (from If-Match) checked, and the
   * UPDATE itself matches on the version it read, so of concurrent writers with the same version
   * exactly one wins and the others get VERSION_MISMATCH. A patch that changes nothing bumps nothing.
   */
  async update(
    membership: WorkspaceMembership,
    id: string,
    patch: Partial<InstrumentInput>,
    expectedVersion: number | undefined,
    actor: Actor,
  ): Promise<Instrument> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    const clean: Partial<InstrumentFields> = { ...patch };
    if (patch.name !== undefined) clean.name = patch.name.trim();
    if (patch.serialNumber !== undefined) clean.serialNumber = patch.serialNumber.trim();
    let movedFrom: string | null | undefined;
    const updated = await this.dataSource.transaction(async (em) => {
      const before = await this.instruments.lockInWorkspace(workspaceId, id, em);
      if (!before) throw new InstrumentNotFoundError(id);
      if (expectedVersion !== undefined && expectedVersion !== before.version) {
        throw new VersionMismatchError('Instrument', before.version);
      }
      const changes = changedFields(before, clean);
      if (!Object.keys(changes).length) return before;
      const effective = effectivePatch(clean, changes);
      if (effective.locationId) await this.assertLocation(workspaceId, effective.locationId, em);
      const bump = await this.instruments.update(workspaceId, id, before.version, effective, em);
      if (!bump) throw new VersionMismatchError('Instrument', before.version);
      await this.audit.record(em, workspaceId, actor, {
        action: 'update',
        entityType: 'instrument',
        entityId: id,
        changes,
      });
      // Retiring locks the instrument out of the broker at once; bringing it back lets it in again.
      if (effective.status !== undefined && (effective.status === 'retired') !== (before.status === 'retired')) {
        await this.broker?.applyStatus(id, effective.status);
      }
      const after = { ...before, ...effective, ...bump };
      if (effective.locationId !== undefined) movedFrom = before.locationId;
      // A display's read-only current-alert topics follow its location and its display capability.
      const access = instrumentAccess(after);
      if (JSON.stringify(access) !== JSON.stringify(instrumentAccess(before))) {
        await this.broker?.repair(id, after.status, access);
      }
      return after;
    });
    // Alert rules select instruments by type, location and status (maintenance suppresses them).
    await this.ruleIndex?.changed();
    // Its open alerts left one location's displays and joined another's: both are published again.
    if (movedFrom !== undefined) await this.republishDisplays(workspaceId, [movedFrom, updated.locationId]);
    return updated;
  }

  async remove(membership: WorkspaceMembership, id: string, expectedVersion: number | undefined, actor: Actor) {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    const removed = await this.dataSource.transaction(async (em) => {
      if (this.broker) await this.instruments.lockRegistryForBroker(em, 'shared');
      const before = await this.instruments.lockInWorkspace(workspaceId, id, em);
      if (!before) throw new InstrumentNotFoundError(id);
      if (expectedVersion !== undefined && expectedVersion !== before.version) {
        throw new VersionMismatchError('Instrument', before.version);
      }
      // its alerts go with it (ON DELETE CASCADE)
      await this.instruments.delete(workspaceId, id, em);
      await this.audit.record(em, workspaceId, actor, {
        action: 'delete',
        entityType: 'instrument',
        entityId: id,
        changes: deletedChanges(before, AUDITED_FIELDS),
      });
      await this.broker?.remove(id);
      return before;
    });
    await this.ruleIndex?.changed();
    // Its open alerts are gone: the workspace's and its location's displays must not keep showing them.
    await this.republishDisplays(workspaceId, [removed.locationId]);
  }

  /**
   * Publishes the current alert of the workspace and of these locations again, through the alerts'
   * one serialized publisher (seq discipline included). After the commit, so it reads the change; it
   * never rejects (a failed publication is retried by a job).
   */
  private async republishDisplays(workspaceId: string, locationIds: Array<string | null>): Promise<void> {
    const ids = locationIds.filter((l): l is string => !!l);
    await this.displays?.refresh(workspaceId, { locationIds: [...new Set(ids)] });
  }

  private requireBroker(): InstrumentBrokerSync {
    if (!this.broker) throw new BrokerUnavailableError('no MQTT broker is configured in this process');
    return this.broker;
  }

  private async assertLocation(workspaceId: string, locationId: string | null, em: EntityManager): Promise<void> {
    if (locationId && !(await this.locations.existsInWorkspace(workspaceId, locationId, em))) {
      throw new LocationNotFoundError(locationId);
    }
  }
}
