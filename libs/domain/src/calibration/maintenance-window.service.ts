import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { FieldError, Page, PageRequest, SortField, toPage, ValidationError } from '@labwire/core';
import { JobName, JobProducer } from '@labwire/queue';
import { Actor } from '../audit/actor';
import { createdChanges, deletedChanges } from '../audit/audit-changes';
import { AuditEvent, AuditService } from '../audit/audit.service';
import { MAINTAINABLE_STATUSES, MaintainableStatus } from '../instruments/instrument.entity';
import { InstrumentRepository } from '../instruments/instrument.repository';
import { InstrumentNotFoundError } from '../instruments/instruments.errors';
import { assertWorkspaceRole, WorkspaceMembership } from '../workspaces/workspace-membership';
import { MaintenanceWindowNotFoundError } from './calibration.errors';
import { MaintenanceKind, MaintenanceWindow } from './maintenance-window';
import {
  MaintenanceWindowFilter,
  MaintenanceWindowRepository,
  MaintenanceWindowSortField,
} from './maintenance-window.repository';

export interface MaintenanceWindowInput {
  startsAt: Date;
  endsAt: Date;
  kind: MaintenanceKind;
  notes?: string | null;
}

/** What reconciling an instrument with its windows did. */
export type ReconcileOutcome = 'entered' | 'restored' | 'unchanged';

/** A window may last at most this long (a year and a day): longer is a retirement, not maintenance. */
const MAX_WINDOW_MS = 366 * 86400_000;
/** How many out-of-step instruments one sweep puts right (the next sweep takes the rest). */
const SWEEP_BATCH = 500;
const AUDITED = ['instrumentId', 'startsAt', 'endsAt', 'kind', 'notes'] as const;

/**
 * Maintenance windows of instruments. While a window is open the instrument's status is
 * `maintenance`; when none is open any more it returns to the status the window set aside
 * (`active` or `offline`; retired instruments are left alone, and a status someone set by hand
 * meanwhile is kept). Overlapping windows are one span: the instrument leaves maintenance when the
 * last of them ends.
 *
 * The status follows the windows through reconcile(), which looks at all of the instrument's windows
 * (never at one edge alone), so it is idempotent and any number of calls agree. It runs when a window
 * is created or deleted, from a delayed job at each window edge (deterministic job id per edge), and
 * from a sweep every minute that finds instruments out of step (an edge job lost with Redis).
 */
@Injectable()
export class MaintenanceWindowService {
  private readonly logger = new Logger('MaintenanceWindows');

  constructor(
    private readonly dataSource: DataSource,
    private readonly windows: MaintenanceWindowRepository,
    private readonly instruments: InstrumentRepository,
    private readonly audit: AuditService,
    private readonly jobs: JobProducer,
  ) {}

  async list(
    workspaceId: string,
    instrumentId: string,
    filter: MaintenanceWindowFilter,
    page: PageRequest,
    sort: SortField<MaintenanceWindowSortField>[],
  ): Promise<Page<MaintenanceWindow>> {
    await this.assertInstrument(workspaceId, instrumentId);
    const [items, total] = await this.windows.listOfInstrument(
      workspaceId,
      instrumentId,
      filter,
      page,
      sort,
      new Date(),
    );
    return toPage(items, total, page);
  }

  async get(workspaceId: string, instrumentId: string, id: string): Promise<MaintenanceWindow> {
    await this.assertInstrument(workspaceId, instrumentId);
    const window = await this.windows.findInWorkspace(workspaceId, instrumentId, id);
    if (!window) throw new MaintenanceWindowNotFoundError(id);
    return window;
  }

  /**
   * Plans a window, or records one that is over (editors). If it is open now the instrument enters
   * maintenance at once; its future edges are scheduled.
   */
  async create(
    membership: WorkspaceMembership,
    instrumentId: string,
    input: MaintenanceWindowInput,
    actor: Actor,
  ): Promise<MaintenanceWindow> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    this.validate(input);
    const window = await this.dataSource.transaction(async (em) => {
      if (!(await this.instruments.lockInWorkspace(workspaceId, instrumentId, em))) {
        throw new InstrumentNotFoundError(instrumentId);
      }
      const created = await this.windows.insert(
        workspaceId,
        {
          instrumentId,
          startsAt: input.startsAt,
          endsAt: input.endsAt,
          kind: input.kind,
          notes: input.notes?.trim() || null,
          createdBy: actor.userId,
        },
        em,
      );
      await this.audit.record(em, workspaceId, actor, {
        action: 'create',
        entityType: 'instrument_maintenance_window',
        entityId: created.id,
        changes: createdChanges(created, AUDITED),
      });
      await this.reconcileIn(em, workspaceId, instrumentId, new Date(), actor);
      return created;
    });
    await this.scheduleEdges(window);
    return window;
  }

  /** Deletes a window (editors): one still planned is cancelled, an open one ends now. */
  async remove(membership: WorkspaceMembership, instrumentId: string, id: string, actor: Actor): Promise<void> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    await this.dataSource.transaction(async (em) => {
      if (!(await this.instruments.lockInWorkspace(workspaceId, instrumentId, em))) {
        throw new InstrumentNotFoundError(instrumentId);
      }
      const before = await this.windows.findInWorkspace(workspaceId, instrumentId, id, em);
      if (!before) throw new MaintenanceWindowNotFoundError(id);
      await this.windows.delete(workspaceId, instrumentId, id, em);
      await this.audit.record(em, workspaceId, actor, {
        action: 'delete',
        entityType: 'instrument_maintenance_window',
        entityId: id,
        changes: deletedChanges(before, AUDITED),
      });
      // Its edge jobs may still fire: they reconcile, which then finds nothing to do.
      await this.reconcileIn(em, workspaceId, instrumentId, new Date(), actor);
    });
  }

  /**
   * Brings the instrument's status in line with its windows at `at`, under its row lock. Audited as
   * the actor's change when a request caused it, as Labwire's own otherwise.
   */
  async reconcile(workspaceId: string, instrumentId: string, at: Date, actor?: Actor): Promise<ReconcileOutcome> {
    return this.dataSource.transaction((em) => this.reconcileIn(em, workspaceId, instrumentId, at, actor));
  }

  private async reconcileIn(
    em: EntityManager,
    workspaceId: string,
    instrumentId: string,
    at: Date,
    actor?: Actor,
  ): Promise<ReconcileOutcome> {
    const instrument = await this.instruments.lockInWorkspace(workspaceId, instrumentId, em);
    if (!instrument) return 'unchanged';
    const open = await this.windows.openAt(instrumentId, at, em);
    let outcome: ReconcileOutcome = 'unchanged';
    let patch: { status?: MaintainableStatus | 'maintenance'; maintenanceResumeStatus: MaintainableStatus | null };
    if (open && (MAINTAINABLE_STATUSES as readonly string[]).includes(instrument.status)) {
      patch = { status: 'maintenance', maintenanceResumeStatus: instrument.status as MaintainableStatus };
      outcome = 'entered';
    } else if (!open && instrument.maintenanceResumeStatus) {
      // Restored only if still in the maintenance a window began; a status set by hand since is kept.
      patch =
        instrument.status === 'maintenance'
          ? { status: instrument.maintenanceResumeStatus, maintenanceResumeStatus: null }
          : { maintenanceResumeStatus: null };
      if (patch.status) outcome = 'restored';
    } else {
      return 'unchanged';
    }
    await this.instruments.applyDerived(workspaceId, instrumentId, instrument.version, patch, em);
    if (patch.status) {
      const event: AuditEvent = {
        action: 'update',
        entityType: 'instrument',
        entityId: instrumentId,
        changes: {
          status: { from: instrument.status, to: patch.status },
          ...(open ? { maintenanceWindowId: { to: open.id } } : {}),
          cause: { to: outcome === 'entered' ? 'maintenance window opened' : 'maintenance windows ended' },
        },
      };
      if (actor) await this.audit.record(em, workspaceId, actor, event);
      else await this.audit.recordBySystem(em, workspaceId, event);
      this.logger.log(`instrument ${instrumentId}: ${instrument.status} → ${patch.status} (maintenance windows)`);
    }
    return outcome;
  }

  /** The edge job: reconciles at the edge or now, whichever is later (a job never judges too early). */
  async reconcileEdge(workspaceId: string, instrumentId: string, edge: Date): Promise<ReconcileOutcome> {
    const now = new Date();
    return this.reconcile(workspaceId, instrumentId, edge > now ? edge : now);
  }

  /** The safety net: puts right every instrument out of step with its windows now. */
  async sweep(): Promise<number> {
    const now = new Date();
    let reconciled = 0;
    for (const { workspaceId, instrumentId } of await this.windows.findOutOfStep(now, SWEEP_BATCH)) {
      if ((await this.reconcile(workspaceId, instrumentId, now)) !== 'unchanged') reconciled++;
    }
    return reconciled;
  }

  /** One delayed job per future edge, with an id naming the window, the edge and its time. */
  private async scheduleEdges(window: MaintenanceWindow): Promise<void> {
    const now = Date.now();
    for (const [edge, at] of [
      ['start', new Date(window.startsAt)],
      ['end', new Date(window.endsAt)],
    ] as const) {
      if (at.getTime() <= now) continue;
      await this.jobs
        .enqueue(
          JobName.InstrumentMaintenanceEdge,
          { workspaceId: window.workspaceId, instrumentId: window.instrumentId, at: at.toISOString() },
          { jobId: `maintenance-edge.${window.id}.${edge}.${at.getTime()}`, delayMs: at.getTime() - now },
        )
        // The window is recorded; the sweep (every minute) applies the edge should this job be missing.
        .catch((err: Error) =>
          this.logger.warn(`${edge} of maintenance window ${window.id} not scheduled: ${err.message}`),
        );
    }
  }

  private validate(input: MaintenanceWindowInput): void {
    const errors: FieldError[] = [];
    const length = input.endsAt.getTime() - input.startsAt.getTime();
    if (length <= 0) errors.push({ field: 'endsAt', message: 'endsAt must be after startsAt' });
    else if (length > MAX_WINDOW_MS) errors.push({ field: 'endsAt', message: 'a window lasts at most 366 days' });
    if (errors.length)
      throw new ValidationError(`Request is invalid: ${errors.map((e) => e.message).join('; ')}`, errors);
  }

  private async assertInstrument(workspaceId: string, instrumentId: string): Promise<void> {
    if (!(await this.instruments.findInWorkspace(workspaceId, instrumentId))) {
      throw new InstrumentNotFoundError(instrumentId);
    }
  }
}
