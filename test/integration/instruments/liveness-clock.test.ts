import { DataSource } from 'typeorm';
import { InstrumentStateService, TelemetryIngestService } from '../../../libs/domain/src';
import { startTestApi, TestApi } from '../../support/test-app';
import { createInstrument, createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

/**
 * Silence is about when Labwire last heard from an instrument, not about the times its readings carry:
 * an instrument whose clock is behind (or that is sending a backlog) keeps talking and stays online.
 */
describe('instrument liveness and instrument clocks', () => {
  let api: TestApi;
  let crew: WorkspaceCrew;
  let ds: DataSource;

  beforeAll(async () => {
    api = await startTestApi();
    crew = await createWorkspaceCrew(api);
    ds = api.app.get(DataSource);
  });
  afterAll(() => api.close());

  it('keeps an instrument whose readings are stamped minutes behind online while it sends them', async () => {
    const states = api.app.get(InstrumentStateService);
    const ingest = api.app.get(TelemetryIngestService);
    const { id } = await createInstrument(api, crew.editor, crew.workspaceId, { expectedIntervalSeconds: 5 });
    await states.applyStatus(id, 'online');
    // it said "online" a while ago (2 × 5 s + 10 s grace = 20 s), and has sent telemetry ever since
    await ds.query(`UPDATE instruments SET last_seen_at = now() - interval '25 seconds' WHERE id = $1`, [id]);
    const lagging = new Date(Date.now() - 5 * 60_000); // its clock is five minutes behind
    const stored = await ingest.storeBatch([{ time: lagging, instrumentId: id, metric: 'ph', value: 7 }], {
      source: 'mqtt',
      receivedAt: new Date(),
    });
    expect(stored.inserted).toBe(1);

    expect((await states.markSilentOffline()).map((c) => c.instrumentId)).not.toContain(id);
    const [row] = await ds.query(
      `SELECT connection_state AS state, last_seen_at AS seen FROM instruments WHERE id = $1`,
      [id],
    );
    expect(row.state).toBe('online');
    expect(Date.now() - new Date(row.seen).getTime()).toBeLessThan(10_000);
  });

  it('takes the arrival, not the reading time, when the instrument clock is ahead (lastSeenAt is never in the future)', async () => {
    const ingest = api.app.get(TelemetryIngestService);
    const { id } = await createInstrument(api, crew.editor, crew.workspaceId, { expectedIntervalSeconds: 5 });
    const ahead = new Date(Date.now() + 5 * 60_000); // its clock is five minutes ahead (within the storable window)
    const receivedAt = new Date();
    await ingest.storeBatch([{ time: ahead, instrumentId: id, metric: 'ph', value: 7 }], {
      source: 'mqtt',
      receivedAt,
    });
    const [row] = await ds.query(`SELECT last_seen_at AS seen, now() AS now FROM instruments WHERE id = $1`, [id]);
    expect(new Date(row.seen).getTime()).toBe(receivedAt.getTime());
    // a REST backfill stamped ahead moves it no further than now
    await ingest.storeBatch([{ time: ahead, instrumentId: id, metric: 'ph', value: 8 }], {
      source: 'rest',
      receivedAt: new Date(),
    });
    const [after] = await ds.query(`SELECT last_seen_at AS seen, now() AS now FROM instruments WHERE id = $1`, [id]);
    expect(new Date(after.seen).getTime()).toBeLessThanOrEqual(new Date(after.now).getTime());
  });

  it('does not count a REST backfill as hearing from the instrument now', async () => {
    const ingest = api.app.get(TelemetryIngestService);
    const { id } = await createInstrument(api, crew.editor, crew.workspaceId, { expectedIntervalSeconds: 5 });
    const old = new Date(Date.now() - 60 * 60_000);
    await ingest.storeBatch([{ time: old, instrumentId: id, metric: 'ph', value: 7 }], {
      source: 'rest',
      receivedAt: new Date(),
    });
    const [row] = await ds.query(`SELECT last_seen_at AS seen FROM instruments WHERE id = $1`, [id]);
    expect(new Date(row.seen).getTime()).toBe(old.getTime());
  });
});
