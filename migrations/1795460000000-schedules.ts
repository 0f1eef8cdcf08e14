import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Schedules: `schedules` (a recurring ingestion, classification or telemetry export of a workspace:
 * a cron expression with its time zone, or an interval; optional start and end; run as its creator)
 * and `schedule_runs` (one row per tick that ran or was skipped, unique on the schedule and the tick,
 * so however many workers take a tick it runs once). Jobs carry the schedule that started them. Data
 * sources a schedule creates carry it too and are exempt from the one-checksum-per-workspace rule (a
 * URL list fetched again each run has the same bytes every time); records get an index on their
 * content hash per data source for the runs that append only new content.
 */
export class Schedules1795460000000 implements MigrationInterface {
  name = 'Schedules1795460000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "schedules" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "workspace_id" uuid NOT NULL,
        "name" text NOT NULL,
        "kind" text NOT NULL,
        "config" jsonb NOT NULL,
        "cron" text,
        "timezone" text,
        "interval_ms" bigint,
        "start_at" TIMESTAMP WITH TIME ZONE,
        "end_at" TIMESTAMP WITH TIME ZONE,
        "anchor_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "enabled" boolean NOT NULL DEFAULT true,
        "suspended_reason" text,
        "suspended_at" TIMESTAMP WITH TIME ZONE,
        "revision" integer NOT NULL DEFAULT 1,
        "state" jsonb NOT NULL DEFAULT '{}',
        "created_by" uuid NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_schedules" PRIMARY KEY ("id"),
        CONSTRAINT "CHK_schedules_kind" CHECK (kind IN ('ingestion', 'classification', 'telemetry-export')),
        CONSTRAINT "CHK_schedules_timing" CHECK (
          (cron IS NOT NULL AND timezone IS NOT NULL AND interval_ms IS NULL)
          OR (cron IS NULL AND timezone IS NULL AND interval_ms IS NOT NULL AND interval_ms > 0)),
        CONSTRAINT "CHK_schedules_window" CHECK (start_at IS NULL OR end_at IS NULL OR start_at < end_at),
        CONSTRAINT "FK_schedules_workspace" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE)`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_schedules_workspace_created" ON "schedules" ("workspace_id", "created_at")`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_schedules_creator" ON "schedules" ("created_by")`);
    await queryRunner.query(
      `CREATE TABLE "schedule_runs" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "schedule_id" uuid NOT NULL,
        "workspace_id" uuid NOT NULL,
        "trigger" text NOT NULL,
        "tick_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "status" text NOT NULL,
        "reason" text,
        "job_id" uuid,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_schedule_runs" PRIMARY KEY ("id"),
        CONSTRAINT "CHK_schedule_runs_trigger" CHECK (trigger IN ('schedule', 'catch-up', 'manual')),
        CONSTRAINT "CHK_schedule_runs_status" CHECK (status IN ('started', 'skipped')),
        CONSTRAINT "FK_schedule_runs_schedule" FOREIGN KEY ("schedule_id") REFERENCES "schedules"("id") ON DELETE CASCADE,
        CONSTRAINT "FK_schedule_runs_job" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE SET NULL)`,
    );
    // One run per tick, however many workers see it; manual runs are not ticks.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_schedule_runs_tick" ON "schedule_runs" ("schedule_id", "tick_at") WHERE trigger <> 'manual'`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_schedule_runs_schedule_created" ON "schedule_runs" ("schedule_id", "created_at")`,
    );
    await queryRunner.query(`ALTER TABLE "jobs" ADD "schedule_id" uuid`);
    await queryRunner.query(
      `CREATE INDEX "IDX_jobs_workspace_schedule" ON "jobs" ("workspace_id", "schedule_id", "created_at")`,
    );
    await queryRunner.query(`ALTER TABLE "datasources" ADD "schedule_id" uuid`);
    await queryRunner.query(`ALTER TABLE "datasources" DROP CONSTRAINT "UQ_datasources_workspace_checksum"`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_datasources_workspace_checksum" ON "datasources" ("workspace_id", "checksum") WHERE schedule_id IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_records_datasource_hash" ON "records" ("datasource_id", "content_hash")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_records_datasource_hash"`);
    await queryRunner.query(`DELETE FROM "datasources" WHERE schedule_id IS NOT NULL`);
    await queryRunner.query(`DROP INDEX "UQ_datasources_workspace_checksum"`);
    await queryRunner.query(
      `ALTER TABLE "datasources" ADD CONSTRAINT "UQ_datasources_workspace_checksum" UNIQUE ("workspace_id", "checksum")`,
    );
    await queryRunner.query(`ALTER TABLE "datasources" DROP COLUMN "schedule_id"`);
    await queryRunner.query(`DROP INDEX "IDX_jobs_workspace_schedule"`);
    await queryRunner.query(`ALTER TABLE "jobs" DROP COLUMN "schedule_id"`);
    await queryRunner.query(`DROP TABLE "schedule_runs"`);
    await queryRunner.query(`DROP TABLE "schedules"`);
  }
}
