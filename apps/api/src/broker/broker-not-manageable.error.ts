import { redactUrl } from '@labwire/core';

/** The api refuses to start: the configured broker does not let Labwire manage its clients. */
export class BrokerNotManageableError extends Error {
  constructor(url: string, username: string, reason: string) {
    super(
      `The MQTT broker at ${redactUrl(url)} cannot manage clients for Labwire, so the api refuses to start: ${reason}\n` +
        `  Labwire needs its own broker: Mosquitto with the dynamic security plugin, run from ` +
        `docker/mosquitto/mosquitto.conf (in development npm start runs one on 127.0.0.1:1884 when nothing ` +
        `answers there; docker compose runs it), with MQTT_USERNAME (${username}) and MQTT_PASSWORD being the ` +
        `account the plugin was initialised with. If another broker holds the port (another checkout's, or a ` +
        `default Mosquitto such as the system one on 1883), stop it or point MQTT_URL at Labwire's broker.`,
    );
    this.name = 'BrokerNotManageableError';
  }
}
