import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Page, PageRequest, SortField, toPage, ValidationError } from '@labwire/core';
import { JobName, JobProducer } from '@labwire/queue';
import { Actor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';
import { InstrumentNotFoundError } from '../instruments/instruments.errors';
import { LiveEventPublisher } from '../live/live-event-publisher';
import { assertWorkspaceRole, WorkspaceMembership } from '../workspaces/workspace-membership';
import { Command } from './command.entity';
import { CommandDispatcher } from './command-dispatcher';
import { CommandFilter, CommandRepository, CommandSortField } from './command.repository';
import { commandView } from './command-view';
import { CommandNotCancellableError, CommandNotFoundError, IdempotencyKeyReusedError } from './commands.errors';

export interface CommandInput {
  name: string;
  params?: Record<string, unknown>;
  timeoutSeconds?: number;
  expiresAt?: Date | null;
  idempotencyKey?: string | null;
}

export interface CreatedCommand {
  command: Command;
  /** false when the idempotency key named an existing command with the same body */
  created: boolean;
}

export const DEFAULT_COMMAND_TIMEOUT_SECONDS = 60;
/** The published message `{"name", "params"}` stays well under any broker's packet limit. */
export const MAX_COMMAND_PARAMS_BYTES = 64 * 1024;

/** JSON with object keys sorted, so equal bodies compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

function sameBody(existing: Command, input: Required<Omit<CommandInput, 'idempotencyKey'>>): boolean {
  return (
    existing.name === input.name &&
    canonical(existing.params) === canonical(input.params) &&
    existing.timeoutSeconds === input.timeoutSeconds &&
    (existing.expiresAt?.getTime() ?? null) === (input.expiresAt?.getTime() ?? null)
  );
}

/**
 * Commands of an instrument as users see them: create (sent at once when the instrument is online,
 * else queued until it is or until it expires), list, get, cancel. The lifecycle after sending
 * (replies, timeouts, expiry) is CommandLifecycleService's.
 */
@Injectable()
export class CommandService {
  private readonly logger = new Logger('Commands');

  constructor(
    private readonly dataSource: DataSource,
    private readonly commands: CommandRepository,
    private readonly dispatcher: CommandDispatcher,
    private readonly audit: AuditService,
    private readonly live: LiveEventPublisher,
    private readonly jobs: JobProducer,
  ) {}

  async create(
    membership: WorkspaceMembership,
    instrumentId: string,
    input: CommandInput,
    actor: Actor,
  ): Promise<CreatedCommand> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    const body = {
      name: input.name.trim(),
      params: input.params ?? {},
      timeoutSeconds: input.timeoutSeconds ?? DEFAULT_COMMAND_TIMEOUT_SECONDS,
      expiresAt: input.expiresAt ?? null,
    };
    this.validate(body);
    const key = input.idempotencyKey ?? null;
    const outcome = await this.dataSource.transaction(async (em): Promise<CreatedCommand> => {
      if (!(await this.commands.instrumentStateInWorkspace(workspaceId, instrumentId, em))) {
        throw new InstrumentNotFoundError(instrumentId);
      }
      const inserted = await this.commands.insert(
        workspaceId,
        instrumentId,
        { ...body, idempotencyKey: key, createdByUserId: actor.userId },
        em,
      );
      if (!inserted) {
        // The key is taken (a concurrent insert with it has committed: the unique index waited for it).
        const existing = await this.commands.findByIdempotencyKey(workspaceId, instrumentId, key as string, em);
        if (!existing) throw new Error(`idempotency key "${key}" conflicted but names no command`);
        if (!sameBody(existing, body)) throw new IdempotencyKeyReusedError(key as string, existing.id);
        return { command: existing, created: false };
      }
      await this.audit.record(em, workspaceId, actor, {
        action: 'create',
        entityType: 'command',
        entityId: inserted.id,
        changes: {
          instrumentId: { to: instrumentId },
          name: { to: inserted.name },
          params: { to: inserted.params },
          timeoutSeconds: { to: inserted.timeoutSeconds },
          expiresAt: { to: inserted.expiresAt?.toISOString() ?? null },
          idempotencyKey: { to: inserted.idempotencyKey },
        },
      });
      return { command: inserted, created: true };
    });
    if (!outcome.created) return outcome;
    let command = outcome.command;
    await this.live.commandChanged(instrumentId, commandView(command));
    if (command.expiresAt) {
      await this.jobs
        .enqueue(
          JobName.InstrumentCommandExpire,
          { commandId: command.id },
          { jobId: `command-expire.${command.id}`, delayMs: Math.max(0, command.expiresAt.getTime() - Date.now()) },
        )
        .catch((err: Error) => this.logger.warn(`expiry of command ${command.id} not scheduled: ${err.message}`));
    }
    // Sent now if the instrument is online (checked under the command's lock, after its commit, so an
    // instrument coming online meanwhile is either seen here or sends it from its own dispatch).
    try {
      command = (await this.dispatcher.dispatch(command.id)) ?? command;
    } catch (err) {
      this.logger.warn(`command ${command.id} stays queued (sending failed: ${(err as Error).message})`);
    }
    return {
      command: (await this.commands.findInWorkspace(workspaceId, instrumentId, command.id)) ?? command,
      created: true,
    };
  }

  async list(
    workspaceId: string,
    instrumentId: string,
    filter: CommandFilter,
    page: PageRequest,
    sort: SortField<CommandSortField>[],
  ): Promise<Page<Command>> {
    await this.assertInstrument(workspaceId, instrumentId);
    const [items, total] = await this.commands.listInWorkspace(workspaceId, instrumentId, filter, page, sort);
    return toPage(items, total, page);
  }

  async get(workspaceId: string, instrumentId: string, id: string): Promise<Command> {
    const command = await this.commands.findInWorkspace(workspaceId, instrumentId, id);
    if (!command) {
      await this.assertInstrument(workspaceId, instrumentId);
      throw new CommandNotFoundError(id);
    }
    return command;
  }

  /**
   * Cancels a queued or sent command (editor): it will not be sent, or its reply no longer counts.
   * Cancelling a cancelled command answers it unchanged; any other final status is a conflict.
   */
  async cancel(membership: WorkspaceMembership, instrumentId: string, id: string, actor: Actor): Promise<Command> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    const cancelled = await this.dataSource.transaction(async (em) => {
      const closed = await this.commands.close(
        id,
        ['queued', 'sent'],
        { status: 'cancelled', error: null },
        'true',
        { workspaceId, instrumentId },
        em,
      );
      if (!closed) return null;
      await this.audit.record(em, workspaceId, actor, {
        action: 'update',
        entityType: 'command',
        entityId: id,
        changes: { status: { to: 'cancelled' } },
      });
      return closed;
    });
    if (!cancelled) {
      const current = await this.get(workspaceId, instrumentId, id);
      if (current.status === 'cancelled') return current;
      throw new CommandNotCancellableError(current.status);
    }
    this.logger.log(`command ${id} cancelled`);
    await this.live.commandChanged(instrumentId, commandView(cancelled));
    return cancelled;
  }

  private validate(body: {
    name: string;
    params: Record<string, unknown>;
    timeoutSeconds: number;
    expiresAt: Date | null;
  }) {
    if (!body.name)
      throw new ValidationError('A command needs a name', [{ field: 'name', message: 'must not be blank' }]);
    if (Buffer.byteLength(JSON.stringify(body.params)) > MAX_COMMAND_PARAMS_BYTES) {
      throw new ValidationError(`params must serialise to at most ${MAX_COMMAND_PARAMS_BYTES} bytes of JSON`, [
        { field: 'params', message: `larger than ${MAX_COMMAND_PARAMS_BYTES} bytes` },
      ]);
    }
    if (body.expiresAt && body.expiresAt.getTime() <= Date.now()) {
      throw new ValidationError('expiresAt is in the past', [{ field: 'expiresAt', message: 'must be in the future' }]);
    }
  }

  private async assertInstrument(workspaceId: string, instrumentId: string): Promise<void> {
    if (!(await this.commands.instrumentStateInWorkspace(workspaceId, instrumentId))) {
      throw new InstrumentNotFoundError(instrumentId);
    }
  }
}
