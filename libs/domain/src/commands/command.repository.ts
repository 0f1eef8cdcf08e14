import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest, SortField } from '@labwire/core';
import { ConnectionState } from '../instruments/instrument.entity';
import { Command, CommandStatus } from './command.entity';

export interface NewCommand {
  name: string;
  params: Record<string, unknown>;
  timeoutSeconds: number;
  expiresAt: Date | null;
  idempotencyKey: string | null;
  createdByUserId: string | null;
}

export interface CommandFilter {
  statuses?: CommandStatus[];
}

export const COMMAND_SORT_FIELDS = ['createdAt', 'updatedAt', 'status', 'name'] as const;
export type CommandSortField = (typeof COMMAND_SORT_FIELDS)[number];

const SORT_COLUMNS: Record<CommandSortField, string> = {
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  status: 'status',
  name: 'name',
};

/** Columns (of table alias `t`) aliased to the entity's property names. */
const columns = (t = '') => `${t}id, ${t}workspace_id AS "workspaceId", ${t}instrument_id AS "instrumentId", ${t}name,
  ${t}params, ${t}status, ${t}timeout_seconds AS "timeoutSeconds", ${t}expires_at AS "expiresAt",
  ${t}idempotency_key AS "idempotencyKey", ${t}result, ${t}error, ${t}created_by_user_id AS "createdByUserId",
  ${t}created_at AS "createdAt", ${t}updated_at AS "updatedAt", ${t}sent_at AS "sentAt",
  ${t}completed_at AS "completedAt"`;
const COLUMNS = columns();

/** TypeORM answers an UPDATE … RETURNING with [rows, affected], anything else with the rows. */
function updated<T>(raw: unknown): T | null {
  const rows = (Array.isArray(raw) && Array.isArray(raw[0]) ? raw[0] : raw) as T[];
  return rows[0] ?? null;
}

/** A final status and what goes with it. */
export interface Closing {
  status: Exclude<CommandStatus, 'queued' | 'sent'>;
  result?: unknown;
  error?: string | null;
}

/**
 * Commands, in SQL. Every status change is one conditional UPDATE naming the statuses it may leave,
 * so two closers (a reply and the timeout, a cancel and a reply) never both win.
 */
@Injectable()
export class CommandRepository {
  constructor(private readonly dataSource: DataSource) {}

  private q(em?: EntityManager) {
    return em ?? this.dataSource.manager;
  }

  /** The instrument's connection state if it is in the workspace (locked against deletion until commit). */
  async instrumentStateInWorkspace(
    workspaceId: string,
    instrumentId: string,
    em?: EntityManager,
  ): Promise<ConnectionState | null> {
    const rows: Array<{ state: ConnectionState }> = await this.q(em).query(
      `SELECT connection_state AS state FROM instruments WHERE workspace_id = $1 AND id = $2${em ? ' FOR KEY SHARE' : ''}`,
      [workspaceId, instrumentId],
    );
    return rows[0]?.state ?? null;
  }

  /** Inserts the command; null when the instrument already has a command with this idempotency key. */
  async insert(workspaceId: string, instrumentId: string, c: NewCommand, em: EntityManager): Promise<Command | null> {
    const rows: Command[] = await em.query(
      `INSERT INTO commands (workspace_id, instrument_id, name, params, timeout_seconds, expires_at, idempotency_key,
                             created_by_user_id)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8)
       ON CONFLICT ON CONSTRAINT "UQ_commands_instrument_idempotency_key" DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        workspaceId,
        instrumentId,
        c.name,
        JSON.stringify(c.params),
        c.timeoutSeconds,
        c.expiresAt,
        c.idempotencyKey,
        c.createdByUserId,
      ],
    );
    return rows[0] ?? null;
  }

  async findByIdempotencyKey(
    workspaceId: string,
    instrumentId: string,
    key: string,
    em?: EntityManager,
  ): Promise<Command | null> {
    const rows: Command[] = await this.q(em).query(
      `SELECT ${COLUMNS} FROM commands WHERE workspace_id = $1 AND instrument_id = $2 AND idempotency_key = $3`,
      [workspaceId, instrumentId, key],
    );
    return rows[0] ?? null;
  }

  async findInWorkspace(workspaceId: string, instrumentId: string, id: string): Promise<Command | null> {
    const rows: Command[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM commands WHERE workspace_id = $1 AND instrument_id = $2 AND id = $3`,
      [workspaceId, instrumentId, id],
    );
    return rows[0] ?? null;
  }

  /** A command by id alone: the MQTT side and jobs know no workspace (the topic or job names the command). */
  async findAny(id: string): Promise<Command | null> {
    const rows: Command[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM commands WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  async listInWorkspace(
    workspaceId: string,
    instrumentId: string,
    filter: CommandFilter,
    page: PageRequest,
    sort: SortField<CommandSortField>[],
  ): Promise<[Command[], number]> {
    const params: unknown[] = [workspaceId, instrumentId];
    let where = 'workspace_id = $1 AND instrument_id = $2';
    if (filter.statuses?.length) {
      params.push(filter.statuses);
      where += ` AND status = ANY($${params.length}::text[])`;
    }
    const order = [...sort.map((s) => `${SORT_COLUMNS[s.field]} ${s.direction}`), 'id ASC'].join(', ');
    const [items, count] = await Promise.all([
      this.dataSource.query(
        `SELECT ${COLUMNS} FROM commands WHERE ${where} ORDER BY ${order}
          LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, page.pageSize, (page.page - 1) * page.pageSize],
      ) as Promise<Command[]>,
      this.dataSource.query(`SELECT count(*) AS total FROM commands WHERE ${where}`, params) as Promise<
        Array<{ total: string }>
      >,
    ]);
    return [items, Number(count[0].total)];
  }

  /**
   * Locks a command that may be sent now: queued, not expired, and its instrument online. Null when
   * there is nothing to send. Waits for another dispatcher holding the command (it is mid-publish,
   * at most the publish timeout) rather than skipping it: the row is then re-checked as that one left
   * it, so a caller that reads the command afterwards (the create request) sees it `sent`, not a
   * stale `queued`. One row per transaction, so waiters cannot deadlock.
   */
  async lockSendable(id: string, em: EntityManager): Promise<Command | null> {
    const rows: Command[] = await em.query(
      `SELECT ${columns('c.')} FROM commands c
         JOIN instruments i ON i.id = c.instrument_id
        WHERE c.id = $1 AND c.status = 'queued' AND (c.expires_at IS NULL OR c.expires_at > now())
          AND i.connection_state = 'online'
          FOR UPDATE OF c`,
      [id],
    );
    return rows[0] ?? null;
  }

  async markSent(id: string, em: EntityManager): Promise<Command | null> {
    return updated<Command>(
      await em.query(
        `UPDATE commands SET status = 'sent', sent_at = now(), updated_at = now()
          WHERE id = $1 AND status = 'queued' RETURNING ${COLUMNS}`,
        [id],
      ),
    );
  }

  /** Ids of the instrument's queued, unexpired commands, oldest first. */
  async queuedIdsOf(instrumentId: string): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM commands WHERE instrument_id = $1 AND status = 'queued'
          AND (expires_at IS NULL OR expires_at > now())
        ORDER BY created_at, id`,
      [instrumentId],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Moves the command to a final status if it is in one of `from` and `condition` (SQL over the row)
   * holds. Returns the closed command, or null when it was not (anymore) in such a status.
   */
  async close(
    id: string,
    from: readonly CommandStatus[],
    closing: Closing,
    condition = 'true',
    scope: { workspaceId?: string; instrumentId?: string } = {},
    em?: EntityManager,
  ): Promise<Command | null> {
    const params: unknown[] = [
      id,
      from,
      closing.status,
      closing.result === undefined ? null : JSON.stringify(closing.result),
      closing.error ?? null,
    ];
    let where = `id = $1 AND status = ANY($2::text[]) AND (${condition})`;
    if (scope.workspaceId) {
      params.push(scope.workspaceId);
      where += ` AND workspace_id = $${params.length}`;
    }
    if (scope.instrumentId) {
      params.push(scope.instrumentId);
      where += ` AND instrument_id = $${params.length}`;
    }
    return updated<Command>(
      await this.q(em).query(
        `UPDATE commands SET status = $3, result = $4::jsonb, error = $5, completed_at = now(), updated_at = now()
          WHERE ${where} RETURNING ${COLUMNS}`,
        params,
      ),
    );
  }

  /** Sent commands whose reply is overdue (the timeout job missed them). */
  async overdueSentIds(limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM commands WHERE status = 'sent' AND sent_at + make_interval(secs => timeout_seconds) <= now()
        ORDER BY sent_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.id);
  }

  /** Queued commands past their expiry (the expiry job missed them). */
  async overdueQueuedIds(limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM commands WHERE status = 'queued' AND expires_at <= now() ORDER BY expires_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.id);
  }

  /** Online instruments with queued commands older than `minAgeSeconds` (their sending failed or was missed). */
  async onlineInstrumentsWithQueued(minAgeSeconds: number, limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT DISTINCT c.instrument_id AS id FROM commands c JOIN instruments i ON i.id = c.instrument_id
        WHERE c.status = 'queued' AND (c.expires_at IS NULL OR c.expires_at > now())
          AND c.created_at < now() - make_interval(secs => $1) AND i.connection_state = 'online'
        LIMIT $2`,
      [minAgeSeconds, limit],
    );
    return rows.map((r) => r.id);
  }
}
