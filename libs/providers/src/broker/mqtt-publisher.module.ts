import { Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@labwire/core';
import { MqttPublisher } from './mqtt-publisher';

/**
 * MqttPublisher from MQTT_URL / MQTT_USERNAME / MQTT_PASSWORD, for api and worker; its connection is
 * closed on shutdown. A singleton however many modules import it.
 */
@Module({
  providers: [
    {
      provide: MqttPublisher,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) =>
        new MqttPublisher({ url: config.mqtt.url, username: config.mqtt.username, password: config.mqtt.password }),
    },
  ],
  exports: [MqttPublisher],
})
export class MqttPublisherModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(private readonly publisher: MqttPublisher) {}

  /** Connects at boot, so the first command does not wait for it; a broker that is down is only logged. */
  onApplicationBootstrap(): void {
    this.publisher.verify().catch((err: Error) => new Logger('MqttPublisher').warn(err.message));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.close();
  }
}
