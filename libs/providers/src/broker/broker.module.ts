import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@labwire/core';
import { BROKER_ADMIN, BrokerAdmin } from './broker-admin';
import { MosquittoDynsecBrokerAdmin } from './mosquitto-dynsec-broker-admin';

/** Provides BROKER_ADMIN from MQTT_URL / MQTT_USERNAME / MQTT_PASSWORD; closes its connection on shutdown. */
@Global()
@Module({
  providers: [
    {
      provide: BROKER_ADMIN,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): BrokerAdmin =>
        new MosquittoDynsecBrokerAdmin({
          url: config.mqtt.url,
          username: config.mqtt.username,
          password: config.mqtt.password,
        }),
    },
  ],
  exports: [BROKER_ADMIN],
})
export class BrokerModule implements OnApplicationShutdown {
  constructor(@Inject(BROKER_ADMIN) private readonly broker: BrokerAdmin) {}

  async onApplicationShutdown(): Promise<void> {
    await this.broker.close();
  }
}
