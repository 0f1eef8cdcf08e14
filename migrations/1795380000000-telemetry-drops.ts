import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Telemetry messages the bridge dropped, per instrument and reason: how many, and the last one's detail
 * and time. Bridge replicas add to these rows in one upsert per flush interval, so a flood of drops
 * costs a counter in memory, not a write per message. Rows go with their instrument.
 */
export class TelemetryDrops1795380000000 implements MigrationInterface {
  name = 'TelemetryDrops1795380000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "telemetry_drops" (
        "instrument_id" uuid NOT NULL,
        "reason" text NOT NULL,
        "count" bigint NOT NULL,
        "last_detail" text NOT NULL,
        "last_at" timestamptz NOT NULL,
        CONSTRAINT "PK_telemetry_drops" PRIMARY KEY ("instrument_id", "reason"),
        CONSTRAINT "FK_telemetry_drops_instrument" FOREIGN KEY ("instrument_id")
          REFERENCES "instruments" ("id") ON DELETE CASCADE)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "telemetry_drops"`);
  }
}
