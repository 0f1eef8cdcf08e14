import { Injectable, Logger } from '@nestjs/common';
import { LiveEventPublisher } from '../live/live-event-publisher';
import { Command } from './command.entity';
import { CommandDispatcher } from './command-dispatcher';
import { CommandRepository } from './command.repository';
import { CommandReply } from './command-reply-message';
import { commandView } from './command-view';

/** How many overdue commands one sweep handles (the next sweep takes the rest). */
const SWEEP_BATCH = 500;
/** Queued commands younger than this are left to the request or job that is sending them. */
const SWEEP_MIN_AGE_SECONDS = 10;

export interface SweepResult {
  timedOut: number;
  expired: number;
  sent: number;
}

/**
 * What happens to a command after it was created: the instrument's reply closes it, no reply in time
 * times it out, not sent before expiresAt expires it. Each is one conditional UPDATE, so the first to
 * arrive wins and the others change nothing (a late reply is logged and ignored). The sweep repeats
 * the delayed jobs' work for commands they missed and resends what failed to send.
 */
@Injectable()
export class CommandLifecycleService {
  private readonly logger = new Logger('CommandLifecycle');

  constructor(
    private readonly commands: CommandRepository,
    private readonly dispatcher: CommandDispatcher,
    private readonly live: LiveEventPublisher,
  ) {}

  /** The instrument replied on `…/commands/{commandId}/reply`. Returns the closed command, or null if ignored. */
  async applyReply(instrumentId: string, commandId: string, reply: CommandReply): Promise<Command | null> {
    // A reply may overtake the commit of `sent` (the instrument answers within milliseconds): a queued
    // command is accepted too. An instrument only learns a command id from a command sent to it.
    const closed = await this.commands.close(
      commandId,
      ['queued', 'sent'],
      reply.ok
        ? { status: 'succeeded', result: reply.result ?? null, error: null }
        : { status: 'failed', error: reply.error },
      'true',
      { instrumentId },
    );
    if (closed) {
      this.logger.log(`command ${commandId} ${closed.status} (instrument ${instrumentId} replied)`);
      await this.announce(closed);
      return closed;
    }
    const current = await this.commands.findAny(commandId);
    if (!current || current.instrumentId !== instrumentId) {
      this.logger.warn(`reply from instrument ${instrumentId} to unknown command ${commandId} ignored`);
    } else {
      this.logger.warn(`late reply to command ${commandId} ignored: it is already ${current.status}`);
    }
    return null;
  }

  /** The timeout job: a sent command whose deadline passed without a reply. */
  async timeOut(commandId: string): Promise<Command | null> {
    const closed = await this.commands.close(
      commandId,
      ['sent'],
      { status: 'timed_out', error: 'no reply from the instrument in time' },
      'sent_at + make_interval(secs => timeout_seconds) <= now()',
    );
    if (closed) {
      this.logger.log(`command ${commandId} timed out after ${closed.timeoutSeconds} s`);
      await this.announce(closed);
    }
    return closed;
  }

  /** The expiry job: a command still queued at its expiresAt. */
  async expire(commandId: string): Promise<Command | null> {
    const closed = await this.commands.close(
      commandId,
      ['queued'],
      { status: 'expired', error: 'the instrument did not come online before expiresAt' },
      'expires_at <= now()',
    );
    if (closed) {
      this.logger.log(`command ${commandId} expired unsent`);
      await this.announce(closed);
    }
    return closed;
  }

  /** Overdue timeouts and expiries, and queued commands of online instruments that were not sent. */
  async sweep(): Promise<SweepResult> {
    const result: SweepResult = { timedOut: 0, expired: 0, sent: 0 };
    for (const id of await this.commands.overdueSentIds(SWEEP_BATCH)) {
      if (await this.timeOut(id)) result.timedOut++;
    }
    for (const id of await this.commands.overdueQueuedIds(SWEEP_BATCH)) {
      if (await this.expire(id)) result.expired++;
    }
    for (const instrumentId of await this.commands.onlineInstrumentsWithQueued(SWEEP_MIN_AGE_SECONDS, SWEEP_BATCH)) {
      try {
        result.sent += await this.dispatcher.dispatchPending(instrumentId);
      } catch (err) {
        this.logger.warn(`queued commands of ${instrumentId} still not sent: ${(err as Error).message}`);
        break; // the broker is failing: the next sweep tries again
      }
    }
    return result;
  }

  private async announce(command: Command): Promise<void> {
    await this.live.commandChanged(command.instrumentId, commandView(command));
  }
}
