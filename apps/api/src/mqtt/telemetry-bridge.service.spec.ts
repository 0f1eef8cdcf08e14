import { Logger } from '@nestjs/common';
import { AppConfig } from '@labwire/core';
import {
  InstrumentDirectory,
  InstrumentRateLimiter,
  TelemetryBatcher,
  TelemetryDropRecorder,
  TelemetryRepository,
  TelemetryTimeWindow,
} from '@labwire/domain';
import { ApiMetrics } from '../metrics/api-metrics';
import { BridgeMetrics } from './bridge-metrics';
import { TelemetryBridge } from './telemetry-bridge.service';

const known = '6f1c1f0e-4a4b-4c55-9a43-7f0f8f6a1b2c';
const topic = (id: string) => `labwire/instruments/${id}/telemetry`;

describe('TelemetryBridge', () => {
  let warnings: string[];
  let submitted: number;
  let bridge: TelemetryBridge;
  let metrics: BridgeMetrics;
  let recorded: Array<{ id: string; reason: string; detail: string }>;
  let withBurst: (burst: number) => void;

  beforeEach(() => {
    warnings = [];
    submitted = 0;
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      warnings.push(String(message));
    });
    const directory = {
      status: (id: string) => (id === known ? 'accepted' : 'unknown'),
    } as unknown as InstrumentDirectory;
    const batcher = {
      whenRoom: async () => undefined,
      submit: async (readings: unknown[]) => {
        submitted += readings.length;
      },
    } as unknown as TelemetryBatcher;
    metrics = new BridgeMetrics(new ApiMetrics({ get: () => undefined } as never));
    recorded = [];
    const recorder = {
      record: (id: string, reason: string, detail: string) => recorded.push({ id, reason, detail }),
    } as unknown as TelemetryDropRecorder;
    const telemetry = { longestRetentionDays: async () => 30 } as unknown as TelemetryRepository;
    const window = new TelemetryTimeWindow(telemetry);
    window.oldest(); // starts the first read of the retention
    withBurst = (burst) => {
      const limiter = new InstrumentRateLimiter({
        mqtt: { instrumentRateLimit: { perSecond: 1, burst } },
      } as AppConfig);
      bridge = new TelemetryBridge(directory, batcher, metrics, limiter, recorder, window);
    };
    withBurst(1000);
  });

  afterEach(() => jest.restoreAllMocks());

  it('hands valid readings to the batcher and drops the rest, counted by reason', async () => {
    await bridge.handle(topic(known), Buffer.from(JSON.stringify({ ts: Date.now(), values: { a: 1, b: 2 } })));
    await bridge.handle(topic(known), Buffer.from('{nope'));
    await bridge.handle(topic('00000000-0000-4000-8000-000000000000'), Buffer.from('{"a": 1}'));
    await bridge.handle('labwire/instruments/not-an-id/telemetry', Buffer.from('{"a": 1}'));
    expect(submitted).toBe(2);
    const text = await metrics.dropped.get();
    const count = (reason: string) => text.values.find((v) => v.labels.reason === reason)?.value;
    expect(count('malformed_json')).toBe(1);
    expect(count('unknown_instrument')).toBe(2);
  });

  it('drops an instrument’s messages past its rate before parsing them, counted on that instrument', async () => {
    withBurst(3);
    for (let i = 0; i < 10; i++) await bridge.handle(topic(known), Buffer.from('{"a": 1}'));
    expect(submitted).toBe(3); // the burst
    expect(recorded.filter((r) => r.reason === 'rate_limited')).toHaveLength(7);
    expect(recorded[0]).toMatchObject({
      id: known,
      detail: expect.stringContaining('MQTT_INSTRUMENT_MAX_MESSAGES_PER_S'),
    });
    const text = await metrics.dropped.get();
    expect(text.values.find((v) => v.labels.reason === 'rate_limited')?.value).toBe(7);
  });

  it('counts drops on their instrument, never on an unknown one', async () => {
    await bridge.handle(topic(known), Buffer.from(JSON.stringify({ ts: 1733318400, values: { a: 1 } })));
    await bridge.handle(topic('00000000-0000-4000-8000-000000000000'), Buffer.from('{"a": 1}'));
    expect(recorded).toEqual([
      { id: known, reason: 'bad_timestamp', detail: expect.stringContaining('ts 1733318400 looks like seconds') },
    ]);
  });

  it('drops a message older than any workspace keeps telemetry, saying so (the worker would discard it)', async () => {
    await new Promise((r) => setImmediate(r)); // the retention read
    await bridge.handle(topic(known), Buffer.from(JSON.stringify({ ts: 946684800000, values: { a: 1 } })));
    await bridge.handle(
      topic(known),
      Buffer.from(JSON.stringify({ ts: Date.now() - 29 * 86_400_000, values: { a: 1 } })),
    );
    expect(submitted).toBe(1);
    expect(recorded).toEqual([
      {
        id: known,
        reason: 'bad_timestamp',
        detail:
          "ts 2000-01-01T00:00:00.000Z is older than Labwire keeps telemetry (30 days); check the instrument's clock",
      },
    ]);
  });

  it('limits drop lines per reason, so a flood of one reason never hides another', async () => {
    for (let i = 0; i < 50; i++) {
      await bridge.handle(topic('00000000-0000-4000-8000-000000000000'), Buffer.from('{"a": 1}'));
    }
    await bridge.handle(topic(known), Buffer.from('{nope'));
    expect(warnings.filter((w) => w.includes('(unknown_instrument)'))).toHaveLength(20);
    expect(warnings.filter((w) => w.includes('(malformed_json)'))).toHaveLength(1);
  });
});
