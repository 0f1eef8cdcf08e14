import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CommandDispatcher } from '../commands/command-dispatcher';
import { Command, OPEN_COMMAND_STATUSES } from '../commands/command.entity';
import { CommandLifecycleService } from '../commands/command-lifecycle.service';
import { CommandRepository } from '../commands/command.repository';
import { ExperimentSignals } from './experiment-signals';
import { sleep } from './run-signal';

/** How often a command waited for is re-read from the database (pub/sub usually answers first). */
const COMMAND_POLL_MS = 1000;
/** Past its deadline by this much, the runner closes a command itself (the ledger's jobs may lag). */
const CLOSE_GRACE_MS = 1000;

export interface CommandRequest {
  workspaceId: string;
  instrumentId: string;
  name: string;
  params: Record<string, unknown>;
  timeoutSeconds: number;
  /** one per experiment step attempt: the same key always names the same command */
  idempotencyKey: string;
  createdByUserId: string | null;
}

const isOpen = (c: Command) => (OPEN_COMMAND_STATUSES as readonly string[]).includes(c.status);

/**
 * Commands of experiment steps, through the command ledger: one command per idempotency key (a run
 * that resumes finds the command it created before it died, sent or answered, and does not create or
 * send another), sent by the ledger's dispatcher (which publishes a command once, under its row lock),
 * closed by the instrument's reply, a timeout or expiry.
 */
@Injectable()
export class ExperimentCommandRunner {
  private readonly logger = new Logger('ExperimentCommands');

  constructor(
    private readonly dataSource: DataSource,
    private readonly commands: CommandRepository,
    private readonly dispatcher: CommandDispatcher,
    private readonly lifecycle: CommandLifecycleService,
    private readonly signals: ExperimentSignals,
  ) {}

  /** The command of this key, created if it does not exist yet, and sent if it is still queued. */
  async ensure(request: CommandRequest): Promise<Command> {
    const timeoutSeconds = Math.max(1, Math.ceil(request.timeoutSeconds));
    const em = this.dataSource.manager;
    let command = await (async () => {
      const inserted = await this.commands.insert(
        request.workspaceId,
        request.instrumentId,
        {
          name: request.name,
          params: request.params,
          timeoutSeconds,
          // an instrument that does not come online in time: the step fails rather than waiting forever
          expiresAt: new Date(Date.now() + timeoutSeconds * 1000),
          idempotencyKey: request.idempotencyKey,
          createdByUserId: request.createdByUserId,
        },
        em,
      );
      return (
        inserted ??
        (await this.commands.findByIdempotencyKey(
          request.workspaceId,
          request.instrumentId,
          request.idempotencyKey,
          em,
        ))
      );
    })();
    if (!command) throw new Error(`command with key ${request.idempotencyKey} vanished`);
    if (command.status === 'queued') {
      try {
        command = (await this.dispatcher.dispatch(command.id)) ?? command;
      } catch (err) {
        // stays queued: the ledger's sweep sends it when the broker is back
        this.logger.warn(`command ${command.id} not sent yet: ${(err as Error).message}`);
      }
    }
    return command;
  }

  /** Waits until the command is closed (replied, timed out, expired or cancelled); rejects when `signal` aborts. */
  async settle(command: Command, signal: AbortSignal): Promise<Command> {
    let wake: () => void = () => undefined;
    const stop = await this.signals.onCommands(command.instrumentId, (message) => {
      if (message.includes(command.id)) wake();
    });
    try {
      let current: Command = command;
      for (;;) {
        // armed before the read: a change published meanwhile is not missed
        const woken = new Promise<void>((resolve) => (wake = resolve));
        current = (await this.commands.findAny(command.id)) ?? current;
        if (!isOpen(current)) return current;
        await this.closeIfOverdue(current);
        await Promise.race([woken, sleep(COMMAND_POLL_MS, signal)]);
        if (signal.aborted) throw signal.reason;
      }
    } finally {
      stop();
    }
  }

  /** Cancels the command if it is still open (an abort while it was awaited). */
  async cancel(command: Command): Promise<void> {
    await this.commands.close(command.id, ['queued', 'sent'], { status: 'cancelled', error: 'experiment aborted' });
  }

  private async closeIfOverdue(c: Command): Promise<void> {
    const now = Date.now();
    if (
      c.status === 'sent' &&
      c.sentAt &&
      now > new Date(c.sentAt).getTime() + c.timeoutSeconds * 1000 + CLOSE_GRACE_MS
    ) {
      await this.lifecycle.timeOut(c.id);
    } else if (c.status === 'queued' && c.expiresAt && now > new Date(c.expiresAt).getTime() + CLOSE_GRACE_MS) {
      await this.lifecycle.expire(c.id);
    }
  }
}
