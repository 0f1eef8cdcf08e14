import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, MqttContext, Payload } from '@nestjs/microservices';
import { ApiExcludeController } from '@nestjs/swagger';
import { InstrumentAlertsService, parseInstrumentAlert } from '@labwire/domain';
import { InstrumentMessageGate } from '../mqtt/instrument-message-gate';

/**
 * Alerts instruments raise and clear (CONTRACT.md, MQTT): `{"key", "state": "triggered" | "cleared",
 * "priority"?, "note"?}` on `labwire/instruments/{id}/alerts`, QoS 1. The broker lets an instrument
 * publish only on its own topic, so the topic names the instrument. The message is acknowledged once
 * recorded (the handler resolves); a malformed one is logged and dropped.
 */
@ApiExcludeController()
@Controller()
export class InstrumentAlertsMqttController {
  private readonly logger = new Logger('InstrumentAlerts');

  constructor(
    private readonly alerts: InstrumentAlertsService,
    private readonly gate: InstrumentMessageGate,
  ) {}

  @EventPattern('labwire/instruments/+/alerts')
  async handle(@Payload() payload: Buffer, @Ctx() ctx: MqttContext): Promise<void> {
    if (!this.gate.admit(ctx.getTopic(), 'alert')) return;
    const parsed = parseInstrumentAlert(ctx.getTopic(), payload);
    if (!parsed.ok) {
      this.logger.warn(`alert on ${ctx.getTopic()} dropped: ${parsed.detail}`);
      return;
    }
    await this.alerts.apply(parsed.instrumentId, parsed.message);
  }
}
