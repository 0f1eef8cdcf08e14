import { Logger } from '@nestjs/common';
import { InstrumentDirectory, TelemetryBatcher } from '@labwire/domain';
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
      submit: async (readings: unknown[]) => {
        submitted += readings.length;
      },
    } as unknown as TelemetryBatcher;
    metrics = new BridgeMetrics(new ApiMetrics({ get: () => undefined } as never));
    bridge = new TelemetryBridge(directory, batcher, metrics);
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

  it('limits drop lines per reason, so a flood of one reason never hides another', async () => {
    for (let i = 0; i < 50; i++) {
      await bridge.handle(topic('00000000-0000-4000-8000-000000000000'), Buffer.from('{"a": 1}'));
    }
    await bridge.handle(topic(known), Buffer.from('{nope'));
    expect(warnings.filter((w) => w.includes('(unknown_instrument)'))).toHaveLength(20);
    expect(warnings.filter((w) => w.includes('(malformed_json)'))).toHaveLength(1);
  });
});
