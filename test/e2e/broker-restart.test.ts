import { waitFor } from '../support/built-app';
import { BuiltStack } from '../support/built-stack';
import { streamReadings } from '../support/reading-stream';

const COUNT = 3000;

/**
 * Labwire's broker restarted under a QoS 1 stream, cleanly (SIGTERM: Mosquitto saves its persistence
 * file) and by a crash (SIGKILL: only the last autosave survives). The restarted broker restores the
 * api's persistent session without its shared subscriptions; the bridge must subscribe again, report
 * not ready until it has, and store every reading the broker acknowledged after the restart.
 */
describe('broker restarts under a telemetry stream (built api and worker)', () => {
  let stack: BuiltStack;
  let workspaceId: string;
  const http = (...args: Parameters<BuiltStack['http']>) => stack.http(...args);

  const newInstrument = () =>
    stack.connectNewInstrument(workspaceId, {
      resilient: true,
      clean: false,
      properties: { sessionExpiryInterval: 600 },
    });

  async function stored(instrumentId: string): Promise<Set<number>> {
    const { rows } = await stack.pg.query<{ seq: number }>(
      `SELECT value::int AS seq FROM telemetry WHERE instrument_id = $1`,
      [instrumentId],
    );
    return new Set(rows.map((r) => r.seq));
  }

  async function readiness(): Promise<{ status: number; bridge?: string }> {
    const res = await fetch(`${stack.apiUrl}/health/ready`).catch(() => undefined);
    if (!res) return { status: 0 };
    const body = (await res.json().catch(() => ({}))) as { checks?: { mqttBridge?: { status: string } } };
    return { status: res.status, bridge: body.checks?.mqttBridge?.status };
  }

  /**
   * A new instrument streams 3000 readings; once half are acknowledged the broker is restarted with
   * `signal`. Returns the instrument and the readings acknowledged after the old broker process exited
   * (only the restarted broker can have acknowledged those), once the api is ready again.
   */
  async function streamThroughRestart(signal: 'SIGTERM' | 'SIGKILL'): Promise<{ id: string; afterRestart: number[] }> {
    const { id, client } = await newInstrument();
    const afterRestart: number[] = [];
    let oldBrokerGone = false;
    const acknowledged = await streamReadings(client, `labwire/instruments/${id}/telemetry`, COUNT, (seq, n) => {
      if (oldBrokerGone) afterRestart.push(seq);
      if (n !== COUNT / 2) return undefined;
      // The callback runs once the old broker process has exited: any acknowledgement after that comes
      // from the restarted one. While the broker is away the bridge is not subscribed, and readiness says so.
      return stack.restartBroker(signal, () => {
        oldBrokerGone = true;
        return waitFor(async () => (await readiness()).bridge === 'down', 20_000, 'readiness: mqttBridge down');
      });
    });
    expect(acknowledged).toBe(COUNT);
    expect(afterRestart.length).toBeGreaterThan(0);
    await waitFor(async () => (await readiness()).status === 200, 30_000, 'the api ready again');
    return { id, afterRestart };
  }

  beforeAll(async () => {
    stack = await BuiltStack.start({
      ownBroker: true,
      role: 'admin',
      env: {
        LOG_LEVEL: 'info',
        TELEMETRY_BATCH_SIZE: '200',
        TELEMETRY_LINGER_MS: '20',
        MQTT_SHARE_GROUP: '',
        // One instrument as fast as it can go: every acknowledged reading must be stored, not rate limited.
        MQTT_INSTRUMENT_MAX_MESSAGES_PER_S: '0',
      },
    });
    workspaceId = (await http('POST', '/api/v1/workspaces', { name: 'Broker restarts' })).body.id;
  });

  afterAll(async () => {
    await stack?.close();
  });

  // SIGTERM first: its persistence file (with the api's session) is what the crash later restores.
  it('a clean restart (SIGTERM): the bridge subscribes again and every acknowledged reading is stored once', async () => {
    const { id } = await streamThroughRestart('SIGTERM');
    const count = COUNT;
    // Mosquitto saved everything it had acknowledged when it stopped cleanly: nothing may be missing.
    await waitFor(async () => (await stored(id)).size === count, 60_000, `${count} stored readings`);
    const { rows } = await stack.pg.query(
      `SELECT count(*)::int AS n, count(DISTINCT time)::int AS times FROM telemetry WHERE instrument_id = $1`,
      [id],
    );
    expect(rows[0]).toEqual({ n: count, times: count });
    expect(stack.api.output()).toContain('subscribed again');
  }, 240_000);

  it('a crash (SIGKILL): every reading acknowledged after the restart is stored', async () => {
    const { id, afterRestart } = await streamThroughRestart('SIGKILL');
    const count = COUNT;
    await waitFor(
      async () => {
        const have = await stored(id);
        return afterRestart.every((i) => have.has(i));
      },
      60_000,
      `the ${afterRestart.length} readings acknowledged after the restart`,
    );
    // What the crashed broker had acknowledged but not yet handed to the api since its last autosave
    // is lost: the README says so. Reported here, never asserted (it depends on timing).
    const lost = count - (await stored(id)).size;
    process.stdout.write(
      `broker kill -9: ${lost} of ${count - afterRestart.length} readings acknowledged before it lost\n`,
    );
  }, 240_000);
});
