import { Injectable } from '@nestjs/common';
import type { HealthCheck } from '@labwire/core';
import type { AckingMqttServer } from './transport/acking-mqtt-server';

/**
 * The running MQTT bridge as the rest of the api sees it: readiness is down until the bridge is
 * connected with every subscription granted on the current connection (a bridge that is connected but
 * not subscribed hears nothing, and a load balancer must not count it as serving).
 */
@Injectable()
export class MqttBridgeState {
  private server?: AckingMqttServer;

  attach(server: AckingMqttServer): void {
    this.server = server;
  }

  /** Connections the bridge made since start (1 = never reconnected). */
  get connectionCount(): number {
    return this.server?.connectionCount ?? 0;
  }

  get subscribed(): boolean {
    return this.server?.isSubscribed() ?? false;
  }

  healthCheck(name = 'mqttBridge'): HealthCheck {
    return {
      name,
      check: async () => {
        if (!this.server) throw new Error('the MQTT bridge has not started');
        if (!this.server.isSubscribed()) {
          throw new Error('the MQTT bridge is not connected, or its subscriptions are not granted yet');
        }
      },
    };
  }
}
