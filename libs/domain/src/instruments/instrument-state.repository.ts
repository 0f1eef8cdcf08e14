import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PageRequest } from '@labwire/core';
import { ConnectionState, Instrument } from './instrument.entity';
import { InstrumentStateTransition, StateTransitionSource } from './instrument-state-transition.entity';

export type CurrentState = Pick<Instrument, 'id' | 'connectionState' | 'stateChangedAt'>;

const TRANSITION_COLUMNS = `id, workspace_id AS "workspaceId", instrument_id AS "instrumentId", from_state AS "fromState",
  to_state AS "toState", source, reason, at`;

/**
 * Connection state changes, each one statement: the instruments that qualify are locked (so a
 * concurrent change waits and is re-checked against the committed row), moved to the new state, and
 * the change recorded in the history. An instrument already in the target state qualifies for
 * nothing, so applying the same state twice records nothing and of concurrent equal changes exactly
 * one is recorded.
 */
@Injectable()
export class InstrumentStateRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Moves the instruments matching `where` (SQL over `instruments`, parameters from $3 on) to `to`.
   * `reason` is an SQL expression over the instrument row.
   */
  private async transition(
    to: ConnectionState,
    source: StateTransitionSource,
    reason: string,
    where: string,
    params: unknown[],
  ): Promise<InstrumentStateTransition[]> {
    return this.dataSource.query(
      `WITH candidates AS (
         SELECT id, workspace_id, connection_state AS from_state, ${reason} AS reason
           FROM instruments
          WHERE connection_state <> $1 AND (${where})
          ORDER BY id
            FOR NO KEY UPDATE),
       changed AS (
         UPDATE instruments i SET connection_state = $1, state_changed_at = now()
           FROM candidates c WHERE i.id = c.id)
       INSERT INTO instrument_state_transitions (workspace_id, instrument_id, from_state, to_state, source, reason, at)
       SELECT c.workspace_id, c.id, c.from_state, $1, $2, c.reason, now() FROM candidates c
       RETURNING ${TRANSITION_COLUMNS}`,
      [to, source, ...params],
    );
  }

  /** The instrument's status topic said `state`; "online" also counts as hearing from it. */
  async applyStatus(instrumentId: string, state: 'online' | 'offline'): Promise<InstrumentStateTransition[]> {
    if (state === 'online') {
      await this.dataSource.query(
        `UPDATE instruments SET last_seen_at = now() WHERE id = $1 AND (last_seen_at IS NULL OR last_seen_at < now())`,
        [instrumentId],
      );
    }
    return this.transition(
      state,
      'status',
      state === 'online' ? `'status message: online'` : `'status message or last will: offline'`,
      'id = $3',
      [instrumentId],
    );
  }

  /**
   * Telemetry received at `receivedAt` was stored: instruments not online come online, unless their
   * state changed after the data arrived (an offline status processed first is newer news).
   */
  markOnlineFromTelemetry(instrumentIds: string[], receivedAt: Date): Promise<InstrumentStateTransition[]> {
    return this.transition(
      'online',
      'telemetry',
      `'telemetry received'`,
      'id = ANY($3::uuid[]) AND (state_changed_at IS NULL OR state_changed_at < $4)',
      [instrumentIds, receivedAt],
    );
  }

  /**
   * Instruments with an expected interval, heard from at least once, and silent for more than
   * `factor` intervals plus `graceSeconds` go offline.
   */
  markSilentOffline(factor: number, graceSeconds: number): Promise<InstrumentStateTransition[]> {
    return this.transition(
      'offline',
      'silence',
      `format('no data for %s s (expected every %s s)',
              floor(extract(epoch FROM now() - last_seen_at))::bigint, expected_interval_seconds)`,
      `expected_interval_seconds IS NOT NULL AND last_seen_at IS NOT NULL
       AND last_seen_at < now() - make_interval(secs => expected_interval_seconds * $3 + $4)`,
      [factor, graceSeconds],
    );
  }

  async findStateInWorkspace(workspaceId: string, instrumentId: string): Promise<CurrentState | null> {
    const rows: CurrentState[] = await this.dataSource.query(
      `SELECT id, connection_state AS "connectionState", state_changed_at AS "stateChangedAt"
         FROM instruments WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, instrumentId],
    );
    return rows[0] ?? null;
  }

  /** A page of the instrument's state changes, newest first, and their total. */
  async listHistoryInWorkspace(
    workspaceId: string,
    instrumentId: string,
    page: PageRequest,
  ): Promise<[InstrumentStateTransition[], number]> {
    const [items, count] = await Promise.all([
      this.dataSource.query(
        `SELECT ${TRANSITION_COLUMNS} FROM instrument_state_transitions
          WHERE workspace_id = $1 AND instrument_id = $2
          ORDER BY at DESC, id LIMIT $3 OFFSET $4`,
        [workspaceId, instrumentId, page.pageSize, (page.page - 1) * page.pageSize],
      ) as Promise<InstrumentStateTransition[]>,
      this.dataSource.query(
        `SELECT count(*) AS total FROM instrument_state_transitions WHERE workspace_id = $1 AND instrument_id = $2`,
        [workspaceId, instrumentId],
      ) as Promise<Array<{ total: string }>>,
    ]);
    return [items, Number(count[0].total)];
  }
}
