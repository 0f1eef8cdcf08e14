import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ExperimentStep, StepStatus } from './experiment';
import { ProtocolStep } from './protocol-definition';

const COLUMNS = `s.index, s.kind, s.name, s.status, s.started_at AS "startedAt", s.ended_at AS "endedAt", s.attempts,
  s.outcome, s.detail`;

function rowsOf<T>(raw: unknown): T[] {
  return (Array.isArray(raw) && Array.isArray(raw[0]) ? raw[0] : raw) as T[];
}

/** The steps of experiments: where each stands, so a run that died resumes at the step in progress. */
@Injectable()
export class ExperimentStepRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** One pending row per protocol step (written once, when the experiment starts). */
  async insertAll(workspaceId: string, experimentId: string, steps: ProtocolStep[], em: EntityManager): Promise<void> {
    await em.query(
      `INSERT INTO experiment_steps (experiment_id, index, workspace_id, kind, name)
       SELECT $1, i - 1, $2, k, n FROM UNNEST($3::text[], $4::text[]) WITH ORDINALITY AS t(k, n, i)
       ON CONFLICT DO NOTHING`,
      [experimentId, workspaceId, steps.map((s) => s.kind), steps.map((s) => s.name ?? null)],
    );
  }

  list(workspaceId: string, experimentId: string): Promise<ExperimentStep[]> {
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM experiment_steps s WHERE s.experiment_id = $1 AND s.workspace_id = $2 ORDER BY s.index`,
      [experimentId, workspaceId],
    );
  }

  /**
   * The step starts: pending → running with its start time. A step already running (its run died) keeps
   * the start it had, so a wait resumes with the time that is left.
   */
  async start(workspaceId: string, experimentId: string, index: number): Promise<ExperimentStep> {
    const rows = rowsOf<ExperimentStep>(
      await this.dataSource.query(
        `UPDATE experiment_steps s SET status = 'running', started_at = COALESCE(started_at, now()),
            attempts = CASE WHEN kind = 'command' THEN GREATEST(attempts, 1) ELSE attempts END
          WHERE experiment_id = $1 AND workspace_id = $2 AND index = $3 RETURNING ${COLUMNS}`,
        [experimentId, workspaceId, index],
      ),
    );
    return rows[0];
  }

  async setAttempts(workspaceId: string, experimentId: string, index: number, attempts: number, detail: object) {
    await this.dataSource.query(
      `UPDATE experiment_steps SET attempts = $4, detail = detail || $5::jsonb
        WHERE experiment_id = $1 AND workspace_id = $2 AND index = $3`,
      [experimentId, workspaceId, index, attempts, JSON.stringify(detail)],
    );
  }

  /** The step ends (from running), with its outcome and detail (merged into what it had). */
  async end(
    workspaceId: string,
    experimentId: string,
    index: number,
    end: { status: StepStatus; outcome: string; detail: object; endedAt?: Date },
    em?: EntityManager,
    from: readonly StepStatus[] = ['pending', 'running'],
  ): Promise<ExperimentStep | null> {
    const rows = rowsOf<ExperimentStep>(
      await (em ?? this.dataSource.manager).query(
        `UPDATE experiment_steps s SET status = $4, outcome = $5, detail = detail || $6::jsonb,
            ended_at = COALESCE($7, now()), started_at = COALESCE(started_at, now())
          WHERE experiment_id = $1 AND workspace_id = $2 AND index = $3 AND status = ANY($8::text[])
          RETURNING ${COLUMNS}`,
        [
          experimentId,
          workspaceId,
          index,
          end.status,
          end.outcome,
          JSON.stringify(end.detail),
          end.endedAt ?? null,
          from,
        ],
      ),
    );
    return rows[0] ?? null;
  }

  /** The step ends and the experiment moves on to the next one, in one statement. */
  async endAndAdvance(
    workspaceId: string,
    experimentId: string,
    index: number,
    end: { status: StepStatus; outcome: string; detail: object },
  ): Promise<ExperimentStep | null> {
    const rows = rowsOf<ExperimentStep>(
      await this.dataSource.query(
        `WITH s AS (
           UPDATE experiment_steps s SET status = $4, outcome = $5, detail = detail || $6::jsonb, ended_at = now()
            WHERE experiment_id = $1 AND workspace_id = $2 AND index = $3 AND status IN ('pending', 'running')
            RETURNING ${COLUMNS}),
         e AS (
           UPDATE experiments SET current_step = $3 + 1, updated_at = now()
            WHERE id = $1 AND workspace_id = $2 AND current_step <= $3)
         SELECT * FROM s`,
        [experimentId, workspaceId, index, end.status, end.outcome, JSON.stringify(end.detail)],
      ),
    );
    return rows[0] ?? null;
  }

  /** The steps that never ran once the experiment ended early. */
  async skipRest(workspaceId: string, experimentId: string, em: EntityManager): Promise<void> {
    await em.query(
      `UPDATE experiment_steps SET status = 'skipped' WHERE experiment_id = $1 AND workspace_id = $2 AND status = 'pending'`,
      [experimentId, workspaceId],
    );
  }
}
