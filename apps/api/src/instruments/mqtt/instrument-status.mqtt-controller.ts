import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, MqttContext, Payload } from '@nestjs/microservices';
import { ApiExcludeController } from '@nestjs/swagger';
import { InstrumentStateService, parseStatusMessage } from '@labwire/domain';
import { InstrumentMessageGate } from '../../mqtt/instrument-message-gate';

/**
 * Instruments' status topic (CONTRACT.md, MQTT): `{"state": "online" | "offline"}`, published
 * retained and as the instrument's last will. Shared subscriptions get no retained messages: the
 * state Labwire keeps is in the database. Malformed messages are logged and dropped (acknowledged).
 */
@ApiExcludeController()
@Controller()
export class InstrumentStatusMqttController {
  private readonly logger = new Logger('InstrumentStatus');

  constructor(
    private readonly states: InstrumentStateService,
    private readonly gate: InstrumentMessageGate,
  ) {}

  @EventPattern('labwire/instruments/+/status')
  async handle(@Payload() payload: Buffer, @Ctx() ctx: MqttContext): Promise<void> {
    if (!this.gate.admit(ctx.getTopic(), 'status')) return;
    const message = parseStatusMessage(ctx.getTopic(), payload);
    if (!message.ok) {
      this.logger.warn(`status message on ${ctx.getTopic()} dropped: ${message.detail}`);
      return;
    }
    await this.states.applyStatus(message.instrumentId, message.state);
  }
}
