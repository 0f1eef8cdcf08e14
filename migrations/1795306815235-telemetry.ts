import { MigrationInterface, QueryRunner } from 'typeorm';
import { timescaleAvailable } from '@labwire/database';

/**
 * The telemetry time series (ARCHITECTURE "Time series"): one row per reading, unique on
 * (instrument_id, metric, time) so a redelivered batch adds nothing, plus the latest value of each
 * instrument metric and the instruments' last-seen time.
 *
 * Where TimescaleDB is available the table is a hypertable (daily chunks, compression after 7 days).
 * Elsewhere (the path tests exercise) it is range-partitioned by day; `labwire_telemetry_ensure_partitions`
 * creates partitions ahead and for backfilled days, and maintenance drops them past retention.
 */
const UNIQUE_INDEX = `CREATE UNIQUE INDEX "UQ_telemetry_instrument_metric_time"
  ON "telemetry" ("instrument_id", "metric", "time" DESC)`;

export class Telemetry1795306815235 implements MigrationInterface {
  name = 'Telemetry1795306815235';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "workspaces" ADD "telemetry_retention_days" integer NOT NULL DEFAULT '365'`);
    await queryRunner.query(`ALTER TABLE "instruments" ADD "last_seen_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(
      `ALTER TABLE "workspaces" ADD CONSTRAINT "CHK_workspaces_retention" CHECK (telemetry_retention_days BETWEEN 1 AND 36500)`,
    );

    const timescale = await timescaleAvailable(queryRunner);
    const columns = `"time" timestamptz NOT NULL, "instrument_id" uuid NOT NULL, "metric" text NOT NULL,
      "value" double precision NOT NULL, "tags" jsonb`;
    if (timescale) {
      await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS timescaledb`);
      await queryRunner.query(`CREATE TABLE "telemetry" (${columns})`);
      await queryRunner.query(`SELECT create_hypertable('telemetry', 'time', chunk_time_interval => interval '1 day')`);
      // The unique index must exist before compression is enabled (TimescaleDB refuses it after).
      await queryRunner.query(UNIQUE_INDEX);
      await queryRunner.query(
        `ALTER TABLE "telemetry" SET (timescaledb.compress, timescaledb.compress_segmentby = 'instrument_id, metric')`,
      );
      await queryRunner.query(`SELECT add_compression_policy('telemetry', interval '7 days')`);
    } else {
      await queryRunner.query(`CREATE TABLE "telemetry" (${columns}) PARTITION BY RANGE ("time")`);
      await queryRunner.query(`
        CREATE FUNCTION labwire_telemetry_ensure_partitions(from_day date, to_day date) RETURNS integer
        LANGUAGE plpgsql AS $$
        DECLARE
          d date := from_day;
          created integer := 0;
          name text;
        BEGIN
          WHILE d <= to_day LOOP
            name := 'telemetry_p' || to_char(d, 'YYYYMMDD');
            IF to_regclass(name) IS NULL THEN
              -- serialises concurrent writers creating the same day
              PERFORM pg_advisory_xact_lock(hashtext(name));
              IF to_regclass(name) IS NULL THEN
                EXECUTE format('CREATE TABLE %I PARTITION OF telemetry FOR VALUES FROM (%L) TO (%L)',
                  name, d::timestamp AT TIME ZONE 'UTC', (d + 1)::timestamp AT TIME ZONE 'UTC');
                created := created + 1;
              END IF;
            END IF;
            d := d + 1;
          END LOOP;
          RETURN created;
        END $$`);
      await queryRunner.query(
        `SELECT labwire_telemetry_ensure_partitions((now() AT TIME ZONE 'UTC')::date - 1, (now() AT TIME ZONE 'UTC')::date + 7)`,
      );
      await queryRunner.query(`CREATE INDEX "IDX_telemetry_time_brin" ON "telemetry" USING brin ("time")`);
      await queryRunner.query(UNIQUE_INDEX);
    }
    await queryRunner.query(`
      CREATE TABLE "telemetry_latest" (
        "instrument_id" uuid NOT NULL REFERENCES "instruments"("id") ON DELETE CASCADE,
        "metric" text NOT NULL,
        "time" timestamptz NOT NULL,
        "value" double precision NOT NULL,
        "tags" jsonb,
        CONSTRAINT "PK_telemetry_latest" PRIMARY KEY ("instrument_id", "metric"))`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "telemetry_latest"`);
    await queryRunner.query(`DROP TABLE "telemetry"`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS labwire_telemetry_ensure_partitions(date, date)`);
    await queryRunner.query(`ALTER TABLE "workspaces" DROP CONSTRAINT "CHK_workspaces_retention"`);
    await queryRunner.query(`ALTER TABLE "instruments" DROP COLUMN "last_seen_at"`);
    await queryRunner.query(`ALTER TABLE "workspaces" DROP COLUMN "telemetry_retention_days"`);
  }
}
