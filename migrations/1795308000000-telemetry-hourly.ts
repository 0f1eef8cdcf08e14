import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hourly rollups of telemetry, maintained by the writer from exactly the readings it inserted (so a
 * redelivered batch counts nothing twice). Aggregates over hour-aligned buckets read these instead of
 * the raw readings: 168 rows per metric for a week instead of 10,080. `labwire_telemetry_rebuild_hourly`
 * recomputes them from the readings for a time range (bulk loads, repairs).
 */
export class TelemetryHourly1795308000000 implements MigrationInterface {
  name = 'TelemetryHourly1795308000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "telemetry_hourly" (
        "instrument_id" uuid NOT NULL,
        "metric" text NOT NULL,
        "bucket" timestamptz NOT NULL,
        "count" bigint NOT NULL,
        "sum" double precision NOT NULL,
        "min" double precision NOT NULL,
        "max" double precision NOT NULL,
        "first_time" timestamptz NOT NULL,
        "first_value" double precision NOT NULL,
        "last_time" timestamptz NOT NULL,
        "last_value" double precision NOT NULL,
        CONSTRAINT "PK_telemetry_hourly" PRIMARY KEY ("instrument_id", "metric", "bucket"))`);
    await queryRunner.query(`CREATE INDEX "IDX_telemetry_hourly_bucket" ON "telemetry_hourly" ("bucket")`);
    await queryRunner.query(`
      CREATE FUNCTION labwire_telemetry_rebuild_hourly(from_time timestamptz, to_time timestamptz) RETURNS bigint
      LANGUAGE plpgsql AS $$
      DECLARE
        first_hour timestamptz := date_trunc('hour', from_time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
        made bigint;
      BEGIN
        -- two statements: in one, a data-modifying CTE's DELETE would run after the INSERT
        DELETE FROM telemetry_hourly WHERE bucket >= first_hour AND bucket < to_time;
        INSERT INTO telemetry_hourly
        SELECT instrument_id, metric, date_trunc('hour', "time" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
               count(*), sum(value), min(value), max(value),
               min("time"), (array_agg(value ORDER BY "time"))[1], max("time"), (array_agg(value ORDER BY "time" DESC))[1]
          FROM telemetry
         WHERE "time" >= first_hour AND "time" < to_time
         GROUP BY 1, 2, 3;
        GET DIAGNOSTICS made = ROW_COUNT;
        RETURN made;
      END $$`);
    await queryRunner.query(`SELECT labwire_telemetry_rebuild_hourly('-infinity', 'infinity')`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION labwire_telemetry_rebuild_hourly(timestamptz, timestamptz)`);
    await queryRunner.query(`DROP TABLE "telemetry_hourly"`);
  }
}
