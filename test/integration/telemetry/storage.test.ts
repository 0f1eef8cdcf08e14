import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../../libs/core/src';
import {
  createDomainDataSource,
  TelemetryMaintenanceService,
  TelemetryReading,
  TelemetryRepository,
  TelemetryWriter,
} from '../../../libs/domain/src';
import { testEnv } from '../../support/test-app';
import { createTestDatabase } from '../../support/test-db';

const DAY = 86_400_000;
/** The storage branch the run's migrations took (global setup): native partitions, or a TimescaleDB hypertable. */
const TIMESCALE = process.env.LABWIRE_TEST_STORAGE === 'timescaledb';
const itNative = TIMESCALE ? it.skip : it;
const itTimescale = TIMESCALE ? it : it.skip;

/**
 * The telemetry table: daily partitions on plain PostgreSQL or daily chunks of a TimescaleDB hypertable
 * (run the suite with TEST_DATABASE_SERVER_URL on a TimescaleDB server for the second), idempotent
 * batches, latest values, retention.
 */
describe(`telemetry storage (${TIMESCALE ? 'TimescaleDB hypertable' : 'native partitioning'})`, () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let ds: DataSource;
  let repo: TelemetryRepository;
  let writer: TelemetryWriter;
  let instrumentId: string;
  let workspaceId: string;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    db = await createTestDatabase();
    ds = createDomainDataSource(loadConfig(testEnv(db.url)), 'labwire-test');
    await ds.initialize();
    repo = new TelemetryRepository(ds);
    writer = new TelemetryWriter(ds, repo);
    [{ id: workspaceId }] = await ds.query(`INSERT INTO workspaces (name) VALUES ('Telemetry lab') RETURNING id`);
    [{ id: instrumentId }] = await ds.query(
      `INSERT INTO instruments (workspace_id, name, serial_number) VALUES ($1, 'pH meter', 'PH-1') RETURNING id`,
      [workspaceId],
    );
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  const count = async (where = 'true', params: unknown[] = []) =>
    Number((await ds.query(`SELECT count(*) AS n FROM telemetry WHERE ${where}`, params))[0].n);

  const batch = (start: Date, n: number, metric = 'ph'): TelemetryReading[] =>
    Array.from({ length: n }, (_, i) => ({
      time: new Date(start.getTime() + i * 1000),
      instrumentId,
      metric,
      value: 7 + i / 1000,
      tags: i % 2 ? { probe: 'a' } : null,
    }));

  /** The chunks of the hypertable covering [from, to) (TimescaleDB only). */
  const chunksBetween = async (from: Date, to: Date) =>
    (await ds.query(
      `SELECT chunk_name, is_compressed FROM timescaledb_information.chunks
        WHERE hypertable_name = 'telemetry' AND range_start < $2 AND range_end > $1`,
      [from, to],
    )) as Array<{ chunk_name: string; is_compressed: boolean }>;
  const utcDay = (t: Date) => new Date(Math.floor(t.getTime() / DAY) * DAY);

  itNative('is partitioned by day, with partitions made ahead by the migration', async () => {
    expect(await repo.usesNativePartitions()).toBe(true);
    expect(await repo.isHypertable()).toBe(false);
    const tomorrow = new Date(Date.now() + DAY).toISOString().slice(0, 10).replace(/-/g, '');
    const rows = await ds.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [`telemetry_p${tomorrow}`]);
    expect(rows[0].present).toBe(true);
  });

  it('stores a batch once: a redelivered batch adds nothing', async () => {
    const readings = batch(new Date(Date.now() - 60_000), 500);
    expect(await writer.store(readings)).toEqual({ inserted: 500, duplicates: 0, rejected: 0 });
    expect(await writer.store(readings)).toEqual({ inserted: 0, duplicates: 500, rejected: 0 });
    // a batch overlapping the stored one writes only what is new
    const overlap = [...readings.slice(400), ...batch(new Date(Date.now() - 30_000 + 500_000), 50)];
    expect(await writer.store(overlap)).toEqual({ inserted: 50, duplicates: 100, rejected: 0 });
    expect(await count('instrument_id = $1 AND metric = $2', [instrumentId, 'ph'])).toBe(550);
    const tagged = await ds.query(`SELECT tags FROM telemetry WHERE tags IS NOT NULL LIMIT 1`);
    expect(tagged[0].tags).toEqual({ probe: 'a' });
  });

  itTimescale('is a hypertable of daily chunks, compressed by instrument and metric, newest first', async () => {
    expect(await repo.usesNativePartitions()).toBe(false);
    expect(await repo.isHypertable()).toBe(true);
    const [dim] = await ds.query(
      `SELECT column_name, time_interval FROM timescaledb_information.dimensions WHERE hypertable_name = 'telemetry'`,
    );
    expect(dim).toMatchObject({ column_name: 'time', time_interval: { days: 1 } });
    const settings = await ds.query(
      `SELECT attname, segmentby_column_index, orderby_column_index, orderby_asc
         FROM timescaledb_information.compression_settings WHERE hypertable_name = 'telemetry' ORDER BY attname`,
    );
    expect(settings).toEqual([
      { attname: 'instrument_id', segmentby_column_index: 1, orderby_column_index: null, orderby_asc: null },
      { attname: 'metric', segmentby_column_index: 2, orderby_column_index: null, orderby_asc: null },
      { attname: 'time', segmentby_column_index: null, orderby_column_index: 1, orderby_asc: false },
    ]);
    const [policy] = await ds.query(
      `SELECT config->>'compress_after' AS after FROM timescaledb_information.jobs
        WHERE hypertable_name = 'telemetry' AND proc_name = 'policy_compression'`,
    );
    expect(policy.after).toBe('7 days');
  });

  itNative('creates the partition of a backfilled day on the way', async () => {
    const longAgo = new Date(Date.now() - 40 * DAY);
    expect(await writer.store(batch(longAgo, 10, 'temp'))).toEqual({ inserted: 10, duplicates: 0, rejected: 0 });
    const name = `telemetry_p${longAgo.toISOString().slice(0, 10).replace(/-/g, '')}`;
    expect(await count(`tableoid = $1::regclass`, [name])).toBe(10);
  });

  itTimescale('stores a backfilled day in a chunk of its own, which compresses and still answers', async () => {
    const longAgo = new Date(Date.now() - 40 * DAY);
    expect(await writer.store(batch(longAgo, 10, 'temp'))).toEqual({ inserted: 10, duplicates: 0, rejected: 0 });
    const day = utcDay(longAgo);
    const [chunk, ...more] = await chunksBetween(day, new Date(day.getTime() + DAY));
    expect(more).toEqual([]);
    expect(Number((await ds.query(`SELECT count(*) AS n FROM _timescaledb_internal."${chunk.chunk_name}"`))[0].n)).toBe(
      10,
    );
    await ds.query(`SELECT compress_chunk($1::regclass)`, [`_timescaledb_internal."${chunk.chunk_name}"`]);
    expect((await chunksBetween(day, new Date(day.getTime() + DAY)))[0].is_compressed).toBe(true);
    expect(await count(`metric = 'temp'`)).toBe(10);
    // a redelivered batch finds its readings in the compressed chunk
    expect(await writer.store(batch(longAgo, 10, 'temp'))).toEqual({ inserted: 0, duplicates: 10, rejected: 0 });
  });

  it('keeps the latest value per metric, moving only forward in time, and the last-seen time', async () => {
    const now = Date.now();
    await writer.store([{ time: new Date(now - 5000), instrumentId, metric: 'level', value: 1 }]);
    await writer.store([{ time: new Date(now - 1000), instrumentId, metric: 'level', value: 2 }]);
    await writer.store([{ time: new Date(now - 9000), instrumentId, metric: 'level', value: 0 }]); // late arrival
    const latest = (await repo.latestInWorkspace(workspaceId, instrumentId)) ?? [];
    expect(latest.find((l) => l.metric === 'level')).toMatchObject({ value: 2, time: new Date(now - 1000) });
    const [instrument] = await ds.query(`SELECT last_seen_at FROM instruments WHERE id = $1`, [instrumentId]);
    expect(instrument.last_seen_at.getTime()).toBeGreaterThanOrEqual(now - 1000);
  });

  itNative(
    'retention drops whole partitions past the longest retention and rows past their workspace retention',
    async () => {
      const [{ id: other }] = await ds.query(`INSERT INTO workspaces (name) VALUES ('Long memory') RETURNING id`);
      const maintenance = new TelemetryMaintenanceService(repo, writer);
      // plain PostgreSQL here: the native-partition branch, never TimescaleDB's drop_chunks
      expect(await repo.usesNativePartitions()).toBe(true);
      expect(await repo.isHypertable()).toBe(false);
      // this workspace keeps 30 days, another keeps 60: the 40-day-old partition stays, its rows go
      await ds.query(`UPDATE workspaces SET telemetry_retention_days = 30 WHERE id = $1`, [workspaceId]);
      await ds.query(`UPDATE workspaces SET telemetry_retention_days = 60 WHERE id = $1`, [other]);
      const first = await maintenance.run();
      expect(first).toMatchObject({ partitionsDropped: [], rowsDeleted: 10, keptDays: 60 });
      expect(await count(`metric = 'temp'`)).toBe(0);

      // once no workspace keeps 40 days, the partition itself goes
      await writer.store(batch(new Date(Date.now() - 40 * DAY), 3, 'temp'));
      await ds.query(`UPDATE workspaces SET telemetry_retention_days = 30`);
      const second = await maintenance.run();
      expect(second.partitionsDropped).toHaveLength(1);
      expect(await count(`metric = 'temp'`)).toBe(0);
      // recent data is untouched; readings older than any workspace keeps are not stored at all
      expect(await count(`metric = 'ph'`)).toBe(550);
      const fresh = new TelemetryWriter(ds, repo);
      expect(await fresh.store(batch(new Date(Date.now() - 40 * DAY), 2, 'late'))).toEqual({
        inserted: 0,
        duplicates: 0,
        rejected: 2,
      });
    },
  );

  itTimescale(
    'retention drops whole chunks with drop_chunks past the longest retention, and rows past their workspace retention',
    async () => {
      const [{ id: other }] = await ds.query(`INSERT INTO workspaces (name) VALUES ('Long memory') RETURNING id`);
      const maintenance = new TelemetryMaintenanceService(repo, writer);
      const day = utcDay(new Date(Date.now() - 40 * DAY));
      const chunksOfThatDay = () => chunksBetween(day, new Date(day.getTime() + DAY));
      // this workspace keeps 30 days, another keeps 60: the 40-day-old (compressed) chunk stays, its rows go
      await ds.query(`UPDATE workspaces SET telemetry_retention_days = 30 WHERE id = $1`, [workspaceId]);
      await ds.query(`UPDATE workspaces SET telemetry_retention_days = 60 WHERE id = $1`, [other]);
      const first = await maintenance.run();
      expect(first).toMatchObject({ partitionsCreated: 0, partitionsDropped: [], rowsDeleted: 10, keptDays: 60 });
      expect(await count(`metric = 'temp'`)).toBe(0);
      expect(await chunksOfThatDay()).toHaveLength(1);

      // once no workspace keeps 40 days, drop_chunks takes the chunk itself (and the rollups of its hours)
      await writer.store(batch(new Date(day.getTime() + 3_600_000), 3, 'temp'));
      await ds.query(`UPDATE workspaces SET telemetry_retention_days = 30`);
      const [chunk] = await chunksOfThatDay();
      const second = await maintenance.run();
      expect(second.partitionsDropped).toEqual([`_timescaledb_internal.${chunk.chunk_name}`]);
      expect(second.rowsDeleted).toBe(0);
      expect(await chunksOfThatDay()).toEqual([]);
      expect(await count(`metric = 'temp'`)).toBe(0);
      const rollups = await ds.query(`SELECT count(*) AS n FROM telemetry_hourly WHERE bucket < $1`, [
        new Date(day.getTime() + DAY),
      ]);
      expect(Number(rollups[0].n)).toBe(0);
      // recent data is untouched; readings older than any workspace keeps are not stored at all
      expect(await count(`metric = 'ph'`)).toBe(550);
      const fresh = new TelemetryWriter(ds, repo);
      expect(await fresh.store(batch(new Date(Date.now() - 40 * DAY), 2, 'late'))).toEqual({
        inserted: 0,
        duplicates: 0,
        rejected: 2,
      });
      expect(await chunksOfThatDay()).toEqual([]);
    },
  );

  // pg_inherits lists a hypertable's chunks as it lists partitions, so one count serves both modes.
  it('refuses readings from a clock far ahead, and makes partitions (chunks) only for the days it writes', async () => {
    const ahead = new Date(Date.now() + 3 * DAY);
    const old = new Date(Date.now() - 20 * DAY);
    const partitions = async () =>
      Number((await ds.query(`SELECT count(*) AS n FROM pg_inherits WHERE inhparent = 'telemetry'::regclass`))[0].n);
    const before = await partitions();
    const result = await new TelemetryWriter(ds, repo).store([
      { time: ahead, instrumentId, metric: 'skew', value: 1 },
      { time: old, instrumentId, metric: 'skew', value: 2 },
      { time: new Date(), instrumentId, metric: 'skew', value: 3 },
    ]);
    expect(result).toEqual({ inserted: 2, duplicates: 0, rejected: 1 });
    // the 20-day-old day got its partition; none was made for the ~20 days in between
    expect(await partitions()).toBe(before + 1);
  });

  it('rebuilds hourly rollups from the readings, matching what the writer kept, and can run again', async () => {
    // sums are compared rounded: adding the same doubles in another order differs in the last bits
    const snapshot = () =>
      ds.query(`SELECT instrument_id, metric, bucket, count, round(sum::numeric, 6) AS sum, min, max,
                       first_time, first_value, last_time, last_value
                  FROM telemetry_hourly ORDER BY 1, 2, 3`);
    const kept = await snapshot();
    expect(kept.length).toBeGreaterThan(0);
    await ds.query(`SELECT labwire_telemetry_rebuild_hourly('-infinity', 'infinity')`);
    await ds.query(`SELECT labwire_telemetry_rebuild_hourly('-infinity', 'infinity')`);
    expect(await snapshot()).toEqual(kept);
  });

  itNative('recovers when another process dropped a partition this writer believed in', async () => {
    const day = new Date(Date.now() - 10 * DAY);
    const other = new TelemetryWriter(ds, repo);
    expect(await other.store(batch(day, 2, 'gone'))).toMatchObject({ inserted: 2 });
    await ds.query(`DROP TABLE telemetry_p${day.toISOString().slice(0, 10).replace(/-/g, '')}`);
    expect(await other.store(batch(day, 3, 'gone'))).toMatchObject({ inserted: 3 });
  });

  it('deleting an instrument (or its workspace) gets its readings and rollups purged by maintenance', async () => {
    const [{ id: ws }] = await ds.query(`INSERT INTO workspaces (name) VALUES ('Short lived') RETURNING id`);
    const make = async (serial: string) =>
      (
        await ds.query(
          `INSERT INTO instruments (workspace_id, name, serial_number) VALUES ($1, 'Gone', $2) RETURNING id`,
          [ws, serial],
        )
      )[0].id as string;
    const gone = await make('G-1');
    const alsoGone = await make('G-2');
    const now = Date.now();
    const readings = [gone, alsoGone].flatMap((id) =>
      Array.from({ length: 30 }, (_, i) => ({
        time: new Date(now - i * 60_000),
        instrumentId: id,
        metric: 'x',
        value: i,
      })),
    );
    await writer.store(readings);
    const rowsOf = async (id: string) =>
      Number((await ds.query(`SELECT count(*) AS n FROM telemetry WHERE instrument_id = $1`, [id]))[0].n);
    const rollupsOf = async (id: string) =>
      Number((await ds.query(`SELECT count(*) AS n FROM telemetry_hourly WHERE instrument_id = $1`, [id]))[0].n);
    expect(await rowsOf(gone)).toBe(30);

    await ds.query(`DELETE FROM instruments WHERE id = $1`, [gone]);
    await ds.query(`DELETE FROM workspaces WHERE id = $1`, [ws]); // cascades to the other instrument
    expect(await rowsOf(gone)).toBe(30); // still there until maintenance runs

    const report = await new TelemetryMaintenanceService(repo, writer).run();
    expect(report.deletedInstrumentRows).toBe(60);
    for (const id of [gone, alsoGone]) {
      expect(await rowsOf(id)).toBe(0);
      expect(await rollupsOf(id)).toBe(0);
    }
    // A reading that was in flight when the instrument went is caught by the next run (within a day).
    await writer.store([{ time: new Date(now), instrumentId: gone, metric: 'late', value: 1 }]);
    expect((await new TelemetryMaintenanceService(repo, writer).run()).deletedInstrumentRows).toBe(1);
    expect(await rowsOf(gone)).toBe(0);
  });
});
