import mqtt, { IClientOptions, MqttClient } from 'mqtt';

/** CONNACK reason codes of a refused sign-in (MQTT 5): bad username or password, not authorised. */
export const REFUSED_AT_CONNECT = [0x86, 0x87];

/** Connects with MQTT 5 (so refusals carry reason codes) and no automatic reconnect. */
export function connectMqtt(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
  });
}

/** The CONNACK reason code of a refused connection; fails the test if the broker let the client in. */
export async function refusalCode(url: string, opts: IClientOptions): Promise<number> {
  try {
    const client = await connectMqtt(url, opts);
    await client.endAsync(true);
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
  throw new Error(`the broker accepted ${String(opts.username)}`);
}

/** Records what a subscribed client receives, to assert delivery (or its absence) per topic. */
export class MessageLog {
  private readonly messages: Array<{ topic: string; payload: string }> = [];

  constructor(client: MqttClient) {
    client.on('message', (topic, payload) => this.messages.push({ topic, payload: payload.toString() }));
  }

  /** Whether `payload` arrives on `topic` within `timeoutMs`. */
  async received(topic: string, payload: string, timeoutMs = 1500): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.messages.some((m) => m.topic === topic && m.payload === payload)) return true;
      await new Promise((r) => setTimeout(r, 25));
    }
    return false;
  }
}
