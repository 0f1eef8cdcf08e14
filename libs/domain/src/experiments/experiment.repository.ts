import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest, SortField } from '@labwire/core';
import { isUniqueViolation } from '@labwire/database';
import { Experiment, ExperimentFlag, ExperimentStatus, QualificationRecord } from './experiment';

export interface ExperimentFilter {
  statuses?: ExperimentStatus[];
  protocolId?: string;
  instrumentId?: string;
  /** experiments whose run (start to end, or now) overlaps [from, to) */
  from?: Date;
  to?: Date;
}

export const EXPERIMENT_SORT_FIELDS = ['createdAt', 'startedAt', 'name', 'status'] as const;
export type ExperimentSortField = (typeof EXPERIMENT_SORT_FIELDS)[number];

const SORT_COLUMNS: Record<ExperimentSortField, string> = {
  createdAt: 'e.created_at',
  startedAt: 'e.started_at',
  name: 'e.name',
  status: 'e.status',
};

export interface NewExperiment {
  protocolId: string;
  protocolVersion: number;
  name: string;
  note: string | null;
  parameters: Record<string, unknown>;
  createdBy: string | null;
}

export interface ExperimentPatch {
  name?: string;
  note?: string | null;
  parameters?: Record<string, unknown>;
  protocolVersion?: number;
}

const COLUMNS = `e.id, e.workspace_id AS "workspaceId", e.protocol_id AS "protocolId",
  e.protocol_version AS "protocolVersion", e.name, e.note, e.parameters, e.status, e.scheduled_at AS "scheduledAt",
  e.started_at AS "startedAt", e.finished_at AS "finishedAt", e.current_step AS "currentStep",
  e.abort_requested AS "abortRequested", e.error, e.flags, e.job_id AS "jobId", e.created_by AS "createdBy",
  e.created_at AS "createdAt", e.updated_at AS "updatedAt",
  COALESCE((SELECT json_agg(json_build_object('role', a.role, 'instrumentId', a.instrument_id,
      'qualification', a.qualification) ORDER BY a.role)
    FROM experiment_instruments a WHERE a.experiment_id = e.id), '[]') AS assignments`;

/** A scheduled or running experiment holding an instrument. */
export interface InstrumentHolder {
  instrumentId: string;
  experimentId: string;
  name: string;
}

/** `experiments` and their instrument assignments. Every method takes the workspace id. */
@Injectable()
export class ExperimentRepository {
  constructor(private readonly dataSource: DataSource) {}

  private q(em?: EntityManager) {
    return em ?? this.dataSource.manager;
  }

  private async one(sql: string, params: unknown[], em?: EntityManager): Promise<Experiment | null> {
    const raw: unknown = await this.q(em).query(sql, params);
    // TypeORM answers UPDATE … RETURNING with [rows, affected]
    const rows = (Array.isArray(raw) && Array.isArray(raw[0]) ? raw[0] : raw) as Experiment[];
    return rows[0] ?? null;
  }

  async insert(workspaceId: string, e: NewExperiment, em: EntityManager): Promise<string> {
    const [row]: Array<{ id: string }> = await em.query(
      `INSERT INTO experiments (workspace_id, protocol_id, protocol_version, name, note, parameters, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [workspaceId, e.protocolId, e.protocolVersion, e.name, e.note, JSON.stringify(e.parameters), e.createdBy],
    );
    return row.id;
  }

  /** Replaces the role → instrument assignment of a draft. */
  async assign(workspaceId: string, id: string, assignments: Record<string, string>, em: EntityManager): Promise<void> {
    await em.query(`DELETE FROM experiment_instruments WHERE experiment_id = $1 AND workspace_id = $2`, [
      id,
      workspaceId,
    ]);
    const roles = Object.keys(assignments);
    if (!roles.length) return;
    await em.query(
      `INSERT INTO experiment_instruments (experiment_id, role, instrument_id, workspace_id)
       SELECT $1, r, i, $2 FROM UNNEST($3::text[], $4::uuid[]) AS t(r, i)`,
      [id, workspaceId, roles, roles.map((r) => assignments[r])],
    );
  }

  findInWorkspace(workspaceId: string, id: string, em?: EntityManager): Promise<Experiment | null> {
    return this.one(
      `SELECT ${COLUMNS} FROM experiments e WHERE e.id = $1 AND e.workspace_id = $2`,
      [id, workspaceId],
      em,
    );
  }

  /** The experiment a run job belongs to. */
  findByJob(workspaceId: string, jobId: string): Promise<Experiment | null> {
    return this.one(`SELECT ${COLUMNS} FROM experiments e WHERE e.workspace_id = $1 AND e.job_id = $2`, [
      workspaceId,
      jobId,
    ]);
  }

  lockInWorkspace(workspaceId: string, id: string, em: EntityManager): Promise<Experiment | null> {
    return this.one(
      `SELECT ${COLUMNS} FROM experiments e WHERE e.id = $1 AND e.workspace_id = $2 FOR UPDATE OF e`,
      [id, workspaceId],
      em,
    );
  }

  async listInWorkspace(
    workspaceId: string,
    filter: ExperimentFilter,
    page: PageRequest,
    sort: SortField<ExperimentSortField>[],
  ): Promise<[Experiment[], number]> {
    const params: unknown[] = [workspaceId];
    let where = 'e.workspace_id = $1';
    if (filter.statuses?.length) where += ` AND e.status = ANY($${params.push(filter.statuses)}::text[])`;
    if (filter.protocolId) where += ` AND e.protocol_id = $${params.push(filter.protocolId)}`;
    if (filter.instrumentId) {
      where += ` AND EXISTS (SELECT 1 FROM experiment_instruments a WHERE a.experiment_id = e.id
                   AND a.instrument_id = $${params.push(filter.instrumentId)})`;
    }
    if (filter.to) where += ` AND e.started_at < $${params.push(filter.to)}`;
    if (filter.from) where += ` AND COALESCE(e.finished_at, now()) >= $${params.push(filter.from)}`;
    const order = [...sort.map((s) => `${SORT_COLUMNS[s.field]} ${s.direction} NULLS LAST`), 'e.id ASC'].join(', ');
    const [items, count] = await Promise.all([
      this.dataSource.query(
        `SELECT ${COLUMNS} FROM experiments e WHERE ${where} ORDER BY ${order}
          LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, page.pageSize, (page.page - 1) * page.pageSize],
      ) as Promise<Experiment[]>,
      this.dataSource.query(`SELECT count(*)::int AS n FROM experiments e WHERE ${where}`, params) as Promise<
        Array<{ n: number }>
      >,
    ]);
    return [items, count[0].n];
  }

  async update(workspaceId: string, id: string, patch: ExperimentPatch, em: EntityManager): Promise<void> {
    const sets: string[] = [];
    const params: unknown[] = [id, workspaceId];
    if (patch.name !== undefined) sets.push(`name = $${params.push(patch.name)}`);
    if (patch.note !== undefined) sets.push(`note = $${params.push(patch.note)}`);
    if (patch.parameters !== undefined) sets.push(`parameters = $${params.push(JSON.stringify(patch.parameters))}`);
    if (patch.protocolVersion !== undefined) sets.push(`protocol_version = $${params.push(patch.protocolVersion)}`);
    if (!sets.length) return;
    await em.query(
      `UPDATE experiments SET ${sets.join(', ')}, updated_at = now() WHERE id = $1 AND workspace_id = $2`,
      params,
    );
  }

  /**
   * Takes the experiment's instruments (scheduled or running). Answers the first scheduled or running
   * experiment that holds one of them instead, if any; the partial unique index decides under races.
   */
  async hold(workspaceId: string, id: string, em: EntityManager): Promise<InstrumentHolder | null> {
    const holder = await this.holderOf(workspaceId, id, em);
    if (holder) return holder;
    try {
      await em.query(`SAVEPOINT hold_instruments`);
      await em.query(`UPDATE experiment_instruments SET holds = true WHERE experiment_id = $1 AND workspace_id = $2`, [
        id,
        workspaceId,
      ]);
      await em.query(`RELEASE SAVEPOINT hold_instruments`);
      return null;
    } catch (err) {
      if (!isUniqueViolation(err, 'UQ_experiment_instruments_held')) throw err;
      await em.query(`ROLLBACK TO SAVEPOINT hold_instruments`);
      // the other experiment committed: its row is visible now
      return (
        (await this.holderOf(workspaceId, id, em)) ?? {
          instrumentId: 'unknown',
          experimentId: 'unknown',
          name: 'another experiment',
        }
      );
    }
  }

  private async holderOf(workspaceId: string, id: string, em: EntityManager): Promise<InstrumentHolder | null> {
    const rows: InstrumentHolder[] = await em.query(
      `SELECT mine.instrument_id AS "instrumentId", other.experiment_id AS "experimentId", e.name
         FROM experiment_instruments mine
         JOIN experiment_instruments other ON other.instrument_id = mine.instrument_id AND other.holds
          AND other.experiment_id <> mine.experiment_id
         JOIN experiments e ON e.id = other.experiment_id
        WHERE mine.experiment_id = $1 AND mine.workspace_id = $2
        ORDER BY mine.role LIMIT 1`,
      [id, workspaceId],
    );
    return rows[0] ?? null;
  }

  async recordQualification(
    workspaceId: string,
    id: string,
    role: string,
    record: QualificationRecord,
    em: EntityManager,
  ): Promise<void> {
    await em.query(
      `UPDATE experiment_instruments SET qualification = $4 WHERE experiment_id = $1 AND workspace_id = $2 AND role = $3`,
      [id, workspaceId, role, JSON.stringify(record)],
    );
  }

  async schedule(
    workspaceId: string,
    id: string,
    jobId: string,
    scheduledAt: Date | null,
    em: EntityManager,
  ): Promise<void> {
    await em.query(
      `UPDATE experiments SET status = 'scheduled', job_id = $3, scheduled_at = $4, updated_at = now()
        WHERE id = $1 AND workspace_id = $2 AND status = 'draft'`,
      [id, workspaceId, jobId, scheduledAt],
    );
  }

  /** scheduled → running; a running experiment is answered as it is (a resumed run). */
  markRunning(workspaceId: string, id: string): Promise<Experiment | null> {
    return this.one(
      `WITH changed AS (
         UPDATE experiments SET status = 'running', started_at = COALESCE(started_at, now()), updated_at = now()
          WHERE id = $1 AND workspace_id = $2 AND status IN ('scheduled', 'running') RETURNING id)
       SELECT ${COLUMNS} FROM experiments e JOIN changed c ON c.id = e.id`,
      [id, workspaceId],
    );
  }

  async advance(workspaceId: string, id: string, step: number, em?: EntityManager): Promise<void> {
    await this.q(em).query(
      `UPDATE experiments SET current_step = $3, updated_at = now() WHERE id = $1 AND workspace_id = $2`,
      [id, workspaceId, step],
    );
  }

  /** Ends the experiment (scheduled or running → a final status) and frees its instruments. */
  async finish(
    workspaceId: string,
    id: string,
    status: 'completed' | 'failed' | 'aborted',
    error: string | null,
    em: EntityManager,
  ): Promise<boolean> {
    const raw: unknown = await em.query(
      `UPDATE experiments SET status = $3, error = $4, finished_at = now(), updated_at = now()
        WHERE id = $1 AND workspace_id = $2 AND status IN ('scheduled', 'running') RETURNING id`,
      [id, workspaceId, status, error],
    );
    const rows = (Array.isArray(raw) && Array.isArray(raw[0]) ? raw[0] : raw) as unknown[];
    await em.query(`UPDATE experiment_instruments SET holds = false WHERE experiment_id = $1 AND workspace_id = $2`, [
      id,
      workspaceId,
    ]);
    return rows.length > 0;
  }

  async requestAbort(workspaceId: string, id: string, em: EntityManager): Promise<void> {
    await em.query(
      `UPDATE experiments SET abort_requested = true, updated_at = now() WHERE id = $1 AND workspace_id = $2`,
      [id, workspaceId],
    );
  }

  async abortRequested(workspaceId: string, id: string): Promise<boolean> {
    const rows: Array<{ a: boolean }> = await this.dataSource.query(
      `SELECT abort_requested AS a FROM experiments WHERE id = $1 AND workspace_id = $2`,
      [id, workspaceId],
    );
    return rows[0]?.a ?? true;
  }

  async addFlags(workspaceId: string, id: string, flags: ExperimentFlag[]): Promise<void> {
    await this.dataSource.query(
      `UPDATE experiments SET flags = flags || $3::jsonb, updated_at = now() WHERE id = $1 AND workspace_id = $2`,
      [id, workspaceId, JSON.stringify(flags)],
    );
  }

  /** The latest value of a metric of an instrument (telemetry_latest), or null. */
  async latestValue(instrumentId: string, metric: string): Promise<{ value: number; time: Date } | null> {
    const rows: Array<{ value: number; time: Date }> = await this.dataSource.query(
      `SELECT value, "time" FROM telemetry_latest WHERE instrument_id = $1 AND metric = $2`,
      [instrumentId, metric],
    );
    return rows[0] ?? null;
  }

  /** Instruments of the workspace among `ids`, with what assigning them checks. */
  async instrumentsInWorkspace(
    workspaceId: string,
    ids: string[],
    em?: EntityManager,
  ): Promise<Array<{ id: string; type: string | null; capabilities: Record<string, unknown> }>> {
    return this.q(em).query(
      `SELECT id, type, capabilities FROM instruments WHERE workspace_id = $1 AND id = ANY($2::uuid[])`,
      [workspaceId, ids],
    );
  }
}
