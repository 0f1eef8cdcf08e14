import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, MqttContext, Payload } from '@nestjs/microservices';
import { ApiExcludeController } from '@nestjs/swagger';
import { TelemetryBridge } from './telemetry-bridge.service';

/** Instruments' telemetry messages (CONTRACT.md, MQTT): acknowledged once queued. */
@ApiExcludeController()
@Controller()
export class TelemetryMqttController {
  constructor(private readonly bridge: TelemetryBridge) {}

  @EventPattern('labwire/instruments/+/telemetry')
  handle(@Payload() payload: Buffer, @Ctx() ctx: MqttContext): Promise<void> {
    return this.bridge.handle(ctx.getTopic(), payload);
  }
}
