import { randomBytes } from 'node:crypto';
import { MqttClient } from 'mqtt';
import { BrokerRejectedError, BrokerUnavailableError, MqttPublisher } from '../../../libs/providers/src';
import { connectMqtt, MessageLog } from '../../support/mqtt-test-client';
import { runBroker } from '../../support/test-app';

/** Labwire's publisher on the run's broker (the project's Mosquitto configuration). */
describe('MqttPublisher', () => {
  const { url, password } = runBroker();
  let witness: MqttClient;
  let seen: MessageLog;
  const publishers: MqttPublisher[] = [];
  const publisher = (opts: Partial<ConstructorParameters<typeof MqttPublisher>[0]> = {}) => {
    const p = new MqttPublisher({ url, username: 'labwire', password, timeoutMs: 1500, ...opts });
    publishers.push(p);
    return p;
  };

  beforeAll(async () => {
    witness = await connectMqtt(url, {
      username: 'labwire',
      password,
      clientId: `w-${randomBytes(4).toString('hex')}`,
    });
    seen = new MessageLog(witness);
    await witness.subscribeAsync('labwire/#', { qos: 1 });
  });
  afterAll(async () => {
    await Promise.all(publishers.map((p) => p.close()));
    await witness.endAsync(true);
  });

  it('publishes at QoS 1, resolving once the broker acknowledged', async () => {
    const p = publisher();
    const topic = `labwire/instruments/${randomBytes(4).toString('hex')}/commands/c1`;
    await p.publish(topic, '{"name":"x","params":{}}');
    expect(p.connected).toBe(true);
    expect(await seen.received(topic, '{"name":"x","params":{}}')).toBe(true);
    await p.close();
    expect(p.connected).toBe(false);
    // it reconnects on the next publish
    await p.publish(topic, 'again');
    expect(await seen.received(topic, 'again')).toBe(true);
  });

  it('rejects with BrokerRejectedError when the broker refuses the topic', async () => {
    await expect(publisher().publish('not-labwire/topic', 'x')).rejects.toBeInstanceOf(BrokerRejectedError);
  });

  it('rejects with BrokerUnavailableError on a wrong password or an unreachable broker, never hanging', async () => {
    const started = Date.now();
    // A refused sign-in fails at once, well under the 30 s timeout given (room left for a loaded CI
    // machine); an unreachable broker fails within the publisher's own timeout (5 s), never hanging.
    await expect(publisher({ password: 'wrong', timeoutMs: 30_000 }).verify()).rejects.toThrow(
      /refused labwire: .*check MQTT_USERNAME and MQTT_PASSWORD/,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    const unreachable = publisher({ url: 'mqtt://127.0.0.1:1' }).publish('labwire/x', 'x');
    await expect(unreachable).rejects.toBeInstanceOf(BrokerUnavailableError);
    await expect(unreachable).rejects.toThrow(/not connected to mqtt:\/\/127\.0\.0\.1:1/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
