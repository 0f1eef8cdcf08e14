import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import mqtt, { MqttClient } from 'mqtt';
import { type HealthCheck, redactUrl } from '@labwire/core';
import { BrokerRejectedError, BrokerUnavailableError } from './broker.errors';
import { publishInTrace } from './mqtt-tracing';

export interface MqttPublisherOptions {
  url: string;
  username: string;
  password?: string;
  /** bound on connecting and on each publish's acknowledgement (default 5 s) */
  timeoutMs?: number;
}

export interface MqttPublishOptions {
  qos?: 0 | 1;
  retain?: boolean;
}

/** CONNACK reason codes of a refused sign-in (MQTT 3 return codes 4–5, MQTT 5 0x86/0x87/0x8C). */
const AUTH_FAILURES = new Set([4, 5, 0x86, 0x87, 0x8c]);

/**
 * Publishes on the broker as Labwire's service account (MQTT_USERNAME / MQTT_PASSWORD): commands to
 * instruments, retained alerts. One MQTT 5 connection per process, opened on first use and
 * reconnecting by itself. `publish` resolves once the broker acknowledged the message (PUBACK at
 * QoS 1) and rejects with BrokerUnavailableError when the broker is not connected or does not
 * acknowledge in time (at QoS 1 the message may still be delivered later: QoS 1 is at least once),
 * or BrokerRejectedError when the broker refuses it (e.g. not authorised).
 */
export class MqttPublisher {
  private readonly logger = new Logger('MqttPublisher');
  private readonly timeoutMs: number;
  private client: MqttClient | undefined;
  private lastError: string | undefined;

  constructor(private readonly options: MqttPublisherOptions) {
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  async publish(topic: string, payload: string | Buffer, options: MqttPublishOptions = {}): Promise<void> {
    const client = await this.connect();
    // Commands carry the trace of the request that sent them (user properties), so an instrument that
    // traces can continue it.
    await publishInTrace(topic, (userProperties) => this.send(client, topic, payload, options, userProperties));
  }

  private send(
    client: MqttClient,
    topic: string,
    payload: string | Buffer,
    options: MqttPublishOptions,
    userProperties: Record<string, string> | undefined,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new BrokerUnavailableError(`no acknowledgement of a message to ${topic} within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      const publishOptions = {
        qos: options.qos ?? 1,
        retain: options.retain ?? false,
        ...(userProperties && { properties: { userProperties } }),
      };
      client.publish(topic, payload, publishOptions, (err) => {
        clearTimeout(timer);
        if (!err) resolve();
        // MQTT 5 answers a refused QoS 1 publish with a PUBACK reason code; mqtt.js reports it as an error.
        else if (typeof (err as { code?: unknown }).code === 'number')
          reject(new BrokerRejectedError('publish', err.message));
        else reject(new BrokerUnavailableError(`could not publish to ${topic}: ${err.message}`));
      });
    });
  }

  /** Connects if needed; rejects when the broker cannot be reached or refuses the account. */
  async verify(): Promise<void> {
    await this.connect();
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await client.endAsync(true).catch(() => undefined);
  }

  private async connect(): Promise<MqttClient> {
    if (!this.client) {
      const client = mqtt.connect(this.options.url, {
        protocolVersion: 5,
        clientId: `labwire-pub-${randomBytes(6).toString('hex')}`,
        username: this.options.username,
        password: this.options.password,
        clean: true,
        reconnectPeriod: 1000,
        connectTimeout: this.timeoutMs,
      });
      client.on('error', (err) => {
        if (err.message !== this.lastError) {
          this.logger.warn(`MQTT broker ${redactUrl(this.options.url)}: ${err.message}`);
        }
        this.lastError = err.message;
      });
      client.on('connect', () => (this.lastError = undefined));
      this.client = client;
    }
    const client = this.client;
    if (client.connected) return client;
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        client.off('connect', onConnect);
        client.off('error', onError);
        if (err) reject(err);
        else resolve();
      };
      const onConnect = () => done();
      // A refused sign-in will not heal by waiting: say so at once.
      const onError = (err: Error & { code?: unknown }) => {
        if (typeof err.code === 'number' && AUTH_FAILURES.has(err.code)) {
          done(
            new BrokerUnavailableError(
              `${redactUrl(this.options.url)} refused ${this.options.username}: ${err.message} ` +
                '(check MQTT_USERNAME and MQTT_PASSWORD)',
            ),
          );
        }
      };
      const timer = setTimeout(
        () =>
          done(
            new BrokerUnavailableError(
              `not connected to ${redactUrl(this.options.url)} within ${this.timeoutMs} ms` +
                (this.lastError ? ` (${this.lastError})` : ''),
            ),
          ),
        this.timeoutMs,
      );
      client.on('connect', onConnect);
      client.on('error', onError);
    });
    return client;
  }
}

/** The publisher's connection to the broker, for readiness. */
export function mqttPublisherHealthCheck(publisher: MqttPublisher, name = 'broker'): HealthCheck {
  return { name, check: () => publisher.verify() };
}
