import { randomBytes } from 'node:crypto';
import { MqttClient } from 'mqtt';
import { QueueName, QueueRegistry } from '../../../libs/queue/src';
import { waitFor } from '../../support/built-app';
import { connectMqtt } from '../../support/mqtt-test-client';
import { deleteRedisKeys } from '../../support/spawn-app';
import { startTestApi, TestApi } from '../../support/test-app';
import { startTestBroker, TestBroker } from '../../support/test-broker';
import { createInstrument, createWorkspaceCrew } from '../../support/workspace-factories';

/**
 * Telemetry on the topic of a retired instrument, or of no instrument at all, is dropped and counted
 * by reason, never queued, and does not hold up the valid messages around it. (The broker refuses
 * such instruments themselves; Labwire's own account can still publish there, and messages in
 * flight when an instrument is retired arrive the same way.)
 */
describe('MQTT bridge: telemetry of unknown and retired instruments', () => {
  let broker: TestBroker;
  let api: TestApi;
  let queues: QueueRegistry;
  let service: MqttClient;

  beforeAll(async () => {
    // Its own broker, so this api is the only one hearing these topics and the counts are exact.
    broker = await startTestBroker();
    api = await startTestApi(broker.env);
    queues = QueueRegistry.open(api.config);
    service = await connectMqtt(broker.url, {
      username: broker.username,
      password: broker.password,
      clientId: `svc-${randomBytes(4).toString('hex')}`,
    });
  });

  afterAll(async () => {
    await service?.endAsync(true);
    await queues?.close();
    await api?.close();
    await broker?.stop();
    if (api) await deleteRedisKeys(api.config.redis.prefix);
  });

  const dropped = async (reason: string) => {
    const text = String((await api.request('GET', '/metrics')).body);
    return Number(
      new RegExp(`labwire_telemetry_messages_dropped_total\\{reason="${reason}"\\} (\\d+)`).exec(text)?.[1],
    );
  };
  const queuedReadings = async () => {
    const jobs = await queues.get(QueueName.Telemetry).getJobs(['waiting', 'prioritized', 'delayed', 'active']);
    return jobs.flatMap((j) => (j.data as { readings: Array<{ instrumentId: string }> }).readings);
  };

  it('drops and counts them by reason; the valid message after them is queued', async () => {
    const crew = await createWorkspaceCrew(api);
    const retired = await createInstrument(api, crew.editor, crew.workspaceId, { status: 'retired' });
    const active = await createInstrument(api, crew.editor, crew.workspaceId);
    const unknown = '00000000-0000-4000-8000-00000000abcd';
    const message = (v: number) => JSON.stringify({ ts: Date.now() - 1000, values: { level: v } });
    const topic = (id: string) => `labwire/instruments/${id}/telemetry`;

    await service.publishAsync(topic(retired.id), message(1), { qos: 1 });
    await service.publishAsync(topic(unknown), message(2), { qos: 1 });
    await service.publishAsync(topic(active.id), message(3), { qos: 1 });

    await waitFor(async () => (await queuedReadings()).length === 1, 10_000, 'the valid reading queued');
    expect((await queuedReadings()).map((r) => r.instrumentId)).toEqual([active.id]);
    expect(await dropped('retired_instrument')).toBe(1);
    expect(await dropped('unknown_instrument')).toBe(1);
  });
});
