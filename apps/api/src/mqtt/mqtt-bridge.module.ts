import { Module } from '@nestjs/common';
import {
  InstrumentDirectory,
  InstrumentRateLimiter,
  TelemetryBatcher,
  TelemetryDropRecorder,
  TelemetryDropRepository,
} from '@labwire/domain';
import { InstrumentLiveMqttModule } from '../instruments/mqtt/instrument-live-mqtt.module';
import { MetricsModule } from '../metrics/metrics.module';
import { BridgeMetrics } from './bridge-metrics';
import { TelemetryBridge } from './telemetry-bridge.service';
import { TelemetryMqttController } from './telemetry.mqtt-controller';

/**
 * The MQTT bridge: every instrument topic Labwire hears (telemetry into the queue, status, command
 * replies; see AckingMqttServer for the transport). Part of the api (API_MQTT_BRIDGE=true) or of the
 * bridge process (BridgeAppModule), never both in one process.
 */
@Module({
  imports: [MetricsModule, InstrumentLiveMqttModule],
  controllers: [TelemetryMqttController],
  providers: [
    InstrumentDirectory,
    InstrumentRateLimiter,
    TelemetryBatcher,
    TelemetryBridge,
    TelemetryDropRepository,
    TelemetryDropRecorder,
    BridgeMetrics,
  ],
  exports: [BridgeMetrics],
})
export class MqttBridgeModule {}
