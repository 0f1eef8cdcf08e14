import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * TimescaleDB only: compressed telemetry chunks are ordered by time, newest first, within each
 * (instrument, metric) segment, so the queries Labwire runs (a range of one instrument's metric,
 * newest first) read compressed batches in the order they want them. The setting was left to
 * TimescaleDB's default before; it is stated here so it no longer depends on that default.
 *
 * Branches on the table, not on whether the extension is available: a database migrated on plain
 * PostgreSQL keeps its native partitions even if TimescaleDB is installed later, and this migration
 * changes nothing there.
 */
async function telemetryIsHypertable(queryRunner: QueryRunner): Promise<boolean> {
  const rows: Array<{ yes: boolean }> = await queryRunner.query(
    `SELECT to_regclass('timescaledb_information.hypertables') IS NOT NULL AS yes`,
  );
  if (!rows[0].yes) return false;
  const found: unknown[] = await queryRunner.query(
    `SELECT 1 FROM timescaledb_information.hypertables
      WHERE hypertable_schema = current_schema() AND hypertable_name = 'telemetry'`,
  );
  return found.length > 0;
}

export class TelemetryCompressOrderby1795395000000 implements MigrationInterface {
  name = 'TelemetryCompressOrderby1795395000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    if (!(await telemetryIsHypertable(queryRunner))) return;
    await queryRunner.query(
      `ALTER TABLE "telemetry" SET (timescaledb.compress, timescaledb.compress_segmentby = 'instrument_id, metric',
        timescaledb.compress_orderby = 'time DESC')`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    if (!(await telemetryIsHypertable(queryRunner))) return;
    // Back to what the telemetry migration set: segments only, order left to TimescaleDB.
    await queryRunner.query(`ALTER TABLE "telemetry" RESET (timescaledb.compress_orderby)`);
  }
}
