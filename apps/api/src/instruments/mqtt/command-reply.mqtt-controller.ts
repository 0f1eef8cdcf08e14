import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, MqttContext, Payload } from '@nestjs/microservices';
import { ApiExcludeController } from '@nestjs/swagger';
import { CommandLifecycleService, parseReplyMessage } from '@labwire/domain';
import { InstrumentMessageGate } from '../../mqtt/instrument-message-gate';

/**
 * Instruments' command replies (CONTRACT.md, MQTT): `{"ok": true, "result"?}` or `{"ok": false,
 * "error"}` on `…/commands/{commandId}/reply`. Malformed replies are logged and dropped (the command
 * then times out); late ones are logged and ignored.
 */
@ApiExcludeController()
@Controller()
export class CommandReplyMqttController {
  private readonly logger = new Logger('CommandReplies');

  constructor(
    private readonly lifecycle: CommandLifecycleService,
    private readonly gate: InstrumentMessageGate,
  ) {}

  @EventPattern('labwire/instruments/+/commands/+/reply')
  async handle(@Payload() payload: Buffer, @Ctx() ctx: MqttContext): Promise<void> {
    if (!this.gate.admit(ctx.getTopic(), 'command reply')) return;
    const message = parseReplyMessage(ctx.getTopic(), payload);
    if (!message.ok) {
      this.logger.warn(`command reply on ${ctx.getTopic()} dropped: ${message.detail}`);
      return;
    }
    await this.lifecycle.applyReply(message.instrumentId, message.commandId, message.reply);
  }
}
