import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { instrumentTopics, MqttPublisher } from '@labwire/providers';
import { JobName, JobProducer } from '@labwire/queue';
import { LiveEventPublisher } from '../live/live-event-publisher';
import { Command } from './command.entity';
import { CommandRepository } from './command.repository';
import { commandView } from './command-view';

/**
 * Sends queued commands to their instrument: `{"name", "params"}` at QoS 1 on
 * `labwire/instruments/{id}/commands/{commandId}`. A command is published while its row is locked and
 * becomes `sent` in the same transaction, so concurrent dispatchers (the create request, the
 * came-online job, the sweep) publish it once, a later one waiting for the first and finding it sent
 * (the create request then answers `sent`, not `queued`); if the broker does not acknowledge, nothing changes
 * and the command stays queued for the next attempt. Like every QoS 1 message a command may still
 * arrive twice after a failure: instruments recognise repeats by the command id in the topic.
 */
@Injectable()
export class CommandDispatcher {
  private readonly logger = new Logger('CommandDispatcher');

  constructor(
    private readonly dataSource: DataSource,
    private readonly commands: CommandRepository,
    private readonly publisher: MqttPublisher,
    private readonly jobs: JobProducer,
    private readonly live: LiveEventPublisher,
  ) {}

  /**
   * Sends the command if it is queued, unexpired and its instrument online; returns it as sent, or
   * null when there was nothing to send. Rejects (command still queued) when the broker fails.
   */
  async dispatch(commandId: string): Promise<Command | null> {
    const sent = await this.dataSource.transaction(async (em) => {
      const command = await this.commands.lockSendable(commandId, em);
      if (!command) return null;
      await this.publisher.publish(
        instrumentTopics(command.instrumentId).command(command.id),
        JSON.stringify({ name: command.name, params: command.params }),
        { qos: 1 },
      );
      return this.commands.markSent(command.id, em);
    });
    if (!sent) return null;
    this.logger.log(`command ${sent.id} (${sent.name}) sent to instrument ${sent.instrumentId}`);
    await this.live.commandChanged(sent.instrumentId, commandView(sent));
    // The sweep times the command out should this job not get enqueued.
    await this.jobs
      .enqueue(
        JobName.InstrumentCommandTimeout,
        { commandId: sent.id },
        { jobId: `command-timeout.${sent.id}`, delayMs: sent.timeoutSeconds * 1000 },
      )
      .catch((err: Error) => this.logger.warn(`timeout of command ${sent.id} not scheduled: ${err.message}`));
    return sent;
  }

  /** Sends the instrument's queued commands, oldest first; stops at the first broker failure (rejects). */
  async dispatchPending(instrumentId: string): Promise<number> {
    let sent = 0;
    for (const id of await this.commands.queuedIdsOf(instrumentId)) {
      if (await this.dispatch(id)) sent++;
    }
    return sent;
  }
}
