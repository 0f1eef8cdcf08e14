import { Module, OnApplicationShutdown } from '@nestjs/common';
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
export class MqttPublisherModule implements OnApplicationShutdown {
  constructor(private readonly publisher: MqttPublisher) {}

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.close();
  }
}
