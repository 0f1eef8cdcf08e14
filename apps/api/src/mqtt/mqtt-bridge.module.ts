import { Module } from '@nestjs/common';
import {
  AlertsModule,
  CommandsModule,
  InstrumentDirectory,
  InstrumentStateModule,
  InstrumentRateLimiter,
  TelemetryBatcher,
  TelemetryDropRecorder,
  TelemetryDropRepository,
  TelemetryRepository,
  TelemetryTimeWindow,
} from '@labwire/domain';
import { InstrumentAlertsMqttController } from '../alerts/instrument-alerts.mqtt-controller';
import { CommandReplyMqttController } from '../instruments/mqtt/command-reply.mqtt-controller';
import { InstrumentStatusMqttController } from '../instruments/mqtt/instrument-status.mqtt-controller';
import { MetricsModule } from '../metrics/metrics.module';
import { BridgeMetrics } from './bridge-metrics';
import { InstrumentMessageGate } from './instrument-message-gate';
import { MqttBridgeState } from './mqtt-bridge-state';
import { TelemetryBridge } from './telemetry-bridge.service';
import { TelemetryMqttController } from './telemetry.mqtt-controller';

/**
 * The MQTT bridge: every instrument topic Labwire hears (telemetry into the queue, status, command
 * replies, alerts; see AckingMqttServer for the transport). Part of the api (API_MQTT_BRIDGE=true) or of the
 * bridge process (BridgeAppModule), never both in one process.
 */
@Module({
  imports: [MetricsModule, InstrumentStateModule, CommandsModule, AlertsModule],
  controllers: [
    TelemetryMqttController,
    InstrumentStatusMqttController,
    CommandReplyMqttController,
    InstrumentAlertsMqttController,
  ],
  providers: [
    InstrumentDirectory,
    InstrumentRateLimiter,
    TelemetryBatcher,
    TelemetryBridge,
    TelemetryDropRepository,
    TelemetryDropRecorder,
    TelemetryRepository,
    TelemetryTimeWindow,
    BridgeMetrics,
    InstrumentMessageGate,
    MqttBridgeState,
  ],
  exports: [BridgeMetrics, MqttBridgeState],
})
export class MqttBridgeModule {}
