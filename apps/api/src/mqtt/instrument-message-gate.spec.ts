import { AppConfig } from '@labwire/core';
import { InstrumentRateLimiter, TelemetryDropRecorder } from '@labwire/domain';
import { ApiMetrics } from '../metrics/api-metrics';
import { BridgeMetrics } from './bridge-metrics';
import { InstrumentMessageGate } from './instrument-message-gate';

const id = '6f1c1f0e-4a4b-4c55-9a43-7f0f8f6a1b2c';

describe('InstrumentMessageGate', () => {
  it("takes status and reply messages from the instrument's telemetry bucket, counting the surplus as rate_limited", async () => {
    const limiter = new InstrumentRateLimiter({
      mqtt: { instrumentRateLimit: { perSecond: 1, burst: 3 } },
    } as AppConfig);
    const recorded: Array<[string, string, string]> = [];
    const drops = {
      record: (...args: [string, string, string]) => recorded.push(args),
    } as unknown as TelemetryDropRecorder;
    const metrics = new BridgeMetrics(new ApiMetrics({ get: () => undefined } as never));
    const gate = new InstrumentMessageGate(limiter, metrics, drops);

    expect(limiter.take(id)).toBe(true); // a telemetry message
    const admitted = [0, 1, 2, 3].map(() => gate.admit(`labwire/instruments/${id}/status`, 'status'));
    expect(admitted).toEqual([true, true, false, false]);
    expect(gate.admit(`labwire/instruments/${id}/commands/c1/reply`, 'command reply')).toBe(false);
    expect(recorded.map(([i, reason]) => [i, reason])).toEqual(Array(3).fill([id, 'rate_limited']));
    expect(recorded[2][2]).toMatch(/^a command reply message over 1 messages\/s/);
    const counted = (await metrics.dropped.get()).values.find((v) => v.labels.reason === 'rate_limited')?.value;
    expect(counted).toBe(3);
  });
});
