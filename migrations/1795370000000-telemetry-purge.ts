import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Telemetry has no foreign key to instruments (inserts stay cheap, and hypertables handle them badly),
 * so deleting an instrument, or a workspace with its instruments, would leave its readings behind.
 * A trigger records each deleted instrument; the telemetry maintenance job deletes their readings and
 * rollups in bounded chunks, and forgets an instrument a day after its deletion (readings that were
 * still in flight when it was deleted are caught by the runs in between).
 */
export class TelemetryPurge1795370000000 implements MigrationInterface {
  name = 'TelemetryPurge1795370000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "telemetry_purge" (
        "instrument_id" uuid NOT NULL,
        "deleted_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_telemetry_purge" PRIMARY KEY ("instrument_id"))`);
    await queryRunner.query(`
      CREATE FUNCTION labwire_instrument_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO telemetry_purge (instrument_id) VALUES (OLD.id) ON CONFLICT DO NOTHING;
        RETURN OLD;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "TRG_instruments_telemetry_purge" AFTER DELETE ON "instruments"
      FOR EACH ROW EXECUTE FUNCTION labwire_instrument_deleted()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "TRG_instruments_telemetry_purge" ON "instruments"`);
    await queryRunner.query(`DROP FUNCTION labwire_instrument_deleted()`);
    await queryRunner.query(`DROP TABLE "telemetry_purge"`);
  }
}
