import { MqttClient } from 'mqtt';
import { connectMqtt } from './mqtt-test-client';

/** What a simulated instrument answers to a command: a reply after `delayMs`, or none. */
export type CommandBehaviour = (
  name: string,
  params: Record<string, unknown>,
) => { ok: true; result?: unknown; delayMs?: number } | { ok: false; error: string; delayMs?: number } | 'silent';

export interface ReceivedCommand {
  commandId: string;
  name: string;
  params: Record<string, unknown>;
  at: number;
}

/**
 * An instrument over MQTT with its own credentials: announces itself online (retained, with an
 * offline will), records every command it receives (deliveries, not distinct ids, so a command sent
 * twice shows twice), replies as `behaviour` says, and publishes telemetry on demand.
 */
export class InstrumentSimulator {
  readonly received: ReceivedCommand[] = [];
  /** called after a command is recorded (a test's hook, e.g. publishing telemetry) */
  onCommand?: (command: ReceivedCommand) => void;

  private constructor(
    readonly id: string,
    readonly client: MqttClient,
    private readonly behaviour: CommandBehaviour,
  ) {}

  static async connect(
    url: string,
    id: string,
    secret: string,
    behaviour: CommandBehaviour = () => ({ ok: true }),
  ): Promise<InstrumentSimulator> {
    const status = `labwire/instruments/${id}/status`;
    const client = await connectMqtt(url, {
      username: id,
      password: secret,
      clientId: id,
      will: { topic: status, payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: true },
    });
    const sim = new InstrumentSimulator(id, client, behaviour);
    client.on('message', (topic, payload) => sim.handle(topic, payload));
    await client.subscribeAsync(`labwire/instruments/${id}/commands/+`, { qos: 1 });
    await client.publishAsync(status, JSON.stringify({ state: 'online' }), { qos: 1, retain: true });
    return sim;
  }

  /** Commands received with this name, in order. */
  named(name: string): ReceivedCommand[] {
    return this.received.filter((c) => c.name === name);
  }

  async telemetry(values: Record<string, number>, ts = Date.now()): Promise<void> {
    await this.client.publishAsync(`labwire/instruments/${this.id}/telemetry`, JSON.stringify({ ts, values }), {
      qos: 1,
    });
  }

  async close(): Promise<void> {
    await this.client.endAsync(true).catch(() => undefined);
  }

  private handle(topic: string, payload: Buffer): void {
    const commandId = topic.split('/')[4];
    const body = JSON.parse(payload.toString()) as { name: string; params: Record<string, unknown> };
    const command = { commandId, name: body.name, params: body.params, at: Date.now() };
    this.received.push(command);
    this.onCommand?.(command);
    const answer = this.behaviour(body.name, body.params);
    if (answer === 'silent') return;
    const { delayMs = 0, ...reply } = answer;
    setTimeout(() => {
      this.client.publishAsync(`${topic}/reply`, JSON.stringify(reply), { qos: 1 }).catch(() => undefined);
    }, delayMs);
  }
}
