import type { MqttClient } from 'mqtt';

/**
 * Publishes readings `{ts, values: {seq: i}}` for i = 0…count-1 at QoS 1 from 20 lanes at once (a
 * steady stream, not one burst), each at its own time in the past, so what was stored can be checked
 * reading by reading (`value` = seq). `onAcknowledged` runs after each PUBACK with the reading's seq and
 * how many were acknowledged so far; a promise it returns is awaited before this resolves. Resolves
 * with the number the broker acknowledged.
 */
export async function streamReadings(
  client: MqttClient,
  topic: string,
  count: number,
  onAcknowledged: (seq: number, acknowledged: number) => Promise<void> | void = () => undefined,
): Promise<number> {
  const start = Date.now() - count * 10 - 60_000;
  const pending: Array<Promise<void>> = [];
  let next = 0;
  let acknowledged = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      await client.publishAsync(topic, JSON.stringify({ ts: start + i * 10, values: { seq: i } }), { qos: 1 });
      const hook = onAcknowledged(i, ++acknowledged);
      if (hook) pending.push(hook);
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5));
    }
  };
  await Promise.all(Array.from({ length: 20 }, lane));
  await Promise.all(pending);
  return acknowledged;
}
