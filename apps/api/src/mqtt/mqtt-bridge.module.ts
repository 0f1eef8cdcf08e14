import { Module } from '@nestjs/common';
import { InstrumentDirectory, TelemetryBatcher } from '@labwire/domain';
import { MetricsModule } from '../metrics/metrics.module';
import { BridgeMetrics } from './bridge-metrics';
import { MqttBridgeState } from './mqtt-bridge-state';
import { TelemetryBridge } from './telemetry-bridge.service';
import { TelemetryMqttController } from './telemetry.mqtt-controller';

/** The api's MQTT side: instruments' telemetry into the queue (see AckingMqttServer for the transport). */
@Module({
  imports: [MetricsModule],
  controllers: [TelemetryMqttController],
  providers: [InstrumentDirectory, TelemetryBatcher, TelemetryBridge, BridgeMetrics, MqttBridgeState],
  exports: [BridgeMetrics, MqttBridgeState],
})
export class MqttBridgeModule {}
