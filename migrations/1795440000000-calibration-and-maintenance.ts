import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Calibration and maintenance of instruments: calibration records (with an optional certificate in
 * object storage), maintenance windows, the notices of calibrations coming due (one per instrument
 * and due date), and on instruments the result of their last calibration and the status a
 * maintenance window put aside (restored when the window ends).
 */
export class CalibrationAndMaintenance1795440000000 implements MigrationInterface {
  name = 'CalibrationAndMaintenance1795440000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "instruments" ADD "last_calibration_result" text`);
    await queryRunner.query(`ALTER TABLE "instruments" ADD "maintenance_resume_status" text`);
    await queryRunner.query(
      `ALTER TABLE "instruments" ADD CONSTRAINT "CHK_instruments_last_calibration_result" CHECK (last_calibration_result IN ('pass', 'fail', 'adjusted'))`,
    );
    await queryRunner.query(
      `ALTER TABLE "instruments" ADD CONSTRAINT "CHK_instruments_maintenance_resume_status" CHECK (maintenance_resume_status IN ('active', 'offline'))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_instruments_workspace_calibration_due" ON "instruments" ("workspace_id", "calibration_due_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_instruments_maintenance_resume" ON "instruments" ("maintenance_resume_status") WHERE maintenance_resume_status IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE TABLE "instrument_calibrations" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "workspace_id" uuid NOT NULL REFERENCES "workspaces"("id") ON DELETE CASCADE,
        "instrument_id" uuid NOT NULL REFERENCES "instruments"("id") ON DELETE CASCADE,
        "performed_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "performed_by" text NOT NULL,
        "result" text NOT NULL,
        "next_due_at" TIMESTAMP WITH TIME ZONE,
        "notes" text,
        "certificate_filename" text,
        "certificate_media_type" text,
        "certificate_size" bigint,
        "certificate_sha256" text,
        "created_by" uuid,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_instrument_calibrations" PRIMARY KEY ("id"),
        CONSTRAINT "CHK_instrument_calibrations_result" CHECK (result IN ('pass', 'fail', 'adjusted')),
        CONSTRAINT "CHK_instrument_calibrations_next_due" CHECK (next_due_at IS NULL OR next_due_at > performed_at),
        CONSTRAINT "CHK_instrument_calibrations_certificate" CHECK ((certificate_size IS NULL) = (certificate_sha256 IS NULL))
      )`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_instrument_calibrations_instrument_performed" ON "instrument_calibrations" ("instrument_id", "performed_at" DESC, "created_at" DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_instrument_calibrations_workspace" ON "instrument_calibrations" ("workspace_id")`,
    );
    await queryRunner.query(
      `CREATE TABLE "instrument_maintenance_windows" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "workspace_id" uuid NOT NULL REFERENCES "workspaces"("id") ON DELETE CASCADE,
        "instrument_id" uuid NOT NULL REFERENCES "instruments"("id") ON DELETE CASCADE,
        "starts_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "ends_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "kind" text NOT NULL,
        "notes" text,
        "created_by" uuid,
        "version" integer NOT NULL DEFAULT 1,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_instrument_maintenance_windows" PRIMARY KEY ("id"),
        CONSTRAINT "CHK_instrument_maintenance_windows_range" CHECK (ends_at > starts_at)
      )`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_instrument_maintenance_windows_instrument_range" ON "instrument_maintenance_windows" ("instrument_id", "starts_at", "ends_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_instrument_maintenance_windows_workspace" ON "instrument_maintenance_windows" ("workspace_id")`,
    );
    await queryRunner.query(
      `CREATE TABLE "calibration_due_notices" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "workspace_id" uuid NOT NULL REFERENCES "workspaces"("id") ON DELETE CASCADE,
        "instrument_id" uuid NOT NULL REFERENCES "instruments"("id") ON DELETE CASCADE,
        "due_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "overdue" boolean NOT NULL,
        "raised_as" text NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_calibration_due_notices" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_calibration_due_notices_instrument_due" UNIQUE ("instrument_id", "due_at"),
        CONSTRAINT "CHK_calibration_due_notices_raised_as" CHECK (raised_as IN ('audit', 'alert'))
      )`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_calibration_due_notices_workspace" ON "calibration_due_notices" ("workspace_id")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "calibration_due_notices"`);
    await queryRunner.query(`DROP TABLE "instrument_maintenance_windows"`);
    await queryRunner.query(`DROP TABLE "instrument_calibrations"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_instruments_maintenance_resume"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_instruments_workspace_calibration_due"`);
    await queryRunner.query(`ALTER TABLE "instruments" DROP CONSTRAINT "CHK_instruments_maintenance_resume_status"`);
    await queryRunner.query(`ALTER TABLE "instruments" DROP CONSTRAINT "CHK_instruments_last_calibration_result"`);
    await queryRunner.query(`ALTER TABLE "instruments" DROP COLUMN "maintenance_resume_status"`);
    await queryRunner.query(`ALTER TABLE "instruments" DROP COLUMN "last_calibration_result"`);
  }
}
