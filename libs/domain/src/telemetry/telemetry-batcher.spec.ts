import { AppConfig } from '@labwire/core';
import { JobProducer } from '@labwire/queue';
import { TelemetryBatcher } from './telemetry-batcher';
import { TelemetryReading } from './telemetry-reading';

const readings = (n: number): TelemetryReading[] =>
  Array.from({ length: n }, (_, i) => ({
    time: new Date(1_795_000_000_000 + i),
    instrumentId: 'i',
    metric: 'm',
    value: i,
    tags: null,
  }));

describe('TelemetryBatcher', () => {
  it('holds at most TELEMETRY_BRIDGE_MAX_PENDING_READINGS: past it, submit waits for a flush (back-pressure)', async () => {
    const queued: Array<() => void> = [];
    let bulks = 0;
    const producer = {
      // Redis is slow: each addBulk finishes only when the test says so.
      enqueueBulk: () => new Promise<void>((resolve) => queued.push(() => (bulks++, resolve()))),
    } as unknown as JobProducer;
    const config = { telemetry: { batchSize: 100, lingerMs: 1, maxPendingReadings: 250 } } as AppConfig;
    const batcher = new TelemetryBatcher(producer, config);

    const settled: number[] = [];
    const submits = Array.from({ length: 5 }, (_, i) =>
      batcher.submit(readings(100), new Date()).then(() => settled.push(i)),
    );
    await new Promise((r) => setTimeout(r, 20));
    // Two messages' readings are held (200); the third would pass 250 and waits with the rest.
    expect(batcher.pending).toBe(200);
    expect(queued).toHaveLength(2);
    queued.shift()!();
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toEqual([0]);
    expect(batcher.pending).toBeLessThanOrEqual(250);
    while (queued.length) {
      queued.shift()!();
      await new Promise((r) => setTimeout(r, 20));
    }
    await Promise.all(submits);
    expect(settled.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(bulks).toBe(5);
    expect(batcher.pending).toBe(0);
    expect(batcher.peakPending).toBe(200);
  });

  it('whenRoom waits while the cap is reached, and resolves once a flush made room', async () => {
    const queued: Array<() => void> = [];
    const producer = {
      enqueueBulk: () => new Promise<void>((resolve) => queued.push(resolve)),
    } as unknown as JobProducer;
    const batcher = new TelemetryBatcher(producer, {
      telemetry: { batchSize: 100, lingerMs: 1, maxPendingReadings: 100 },
    } as AppConfig);
    await batcher.whenRoom(); // empty: at once
    const held = batcher.submit(readings(100), new Date());
    let roomy = false;
    const room = batcher.whenRoom().then(() => (roomy = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(roomy).toBe(false);
    queued.shift()!();
    await Promise.all([held, room]);
    expect(batcher.pending).toBe(0);
  });

  it('lets one message larger than the cap through when nothing else is held', async () => {
    const producer = { enqueueBulk: async () => undefined } as unknown as JobProducer;
    const batcher = new TelemetryBatcher(producer, {
      telemetry: { batchSize: 100, lingerMs: 1, maxPendingReadings: 10 },
    } as AppConfig);
    await batcher.submit(readings(50), new Date());
    expect(batcher.pending).toBe(0);
  });
});
