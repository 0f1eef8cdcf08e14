import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Jobs API: `jobs` holds every piece of user-visible background work (status, progress, counts,
 * bounded row errors, timings). `job_payloads` holds a job's bulk input (e.g. a backfill's readings)
 * apart from the row, so lists stay light; it goes with the job and is dropped once the job succeeds.
 */
export class Jobs1795330000000 implements MigrationInterface {
  name = 'Jobs1795330000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "jobs" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "kind" text NOT NULL, "status" text NOT NULL DEFAULT 'queued', "progress" double precision NOT NULL DEFAULT '0', "counts" jsonb NOT NULL DEFAULT '{}', "errors" jsonb NOT NULL DEFAULT '[]', "error_count" integer NOT NULL DEFAULT '0', "error" text, "attempts" integer NOT NULL DEFAULT '0', "input" jsonb NOT NULL DEFAULT '{}', "result" jsonb, "cancel_requested" boolean NOT NULL DEFAULT false, "created_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "CHK_jobs_progress" CHECK (progress >= 0 AND progress <= 1), CONSTRAINT "CHK_jobs_status" CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')), CONSTRAINT "PK_cf0a6c42b72fcc7f7c237def345" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_jobs_workspace_created" ON "jobs" ("workspace_id", "created_at") `);
    await queryRunner.query(
      `ALTER TABLE "jobs" ADD CONSTRAINT "FK_58f07a7fbd5d546cc8ff788ea2d" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `CREATE TABLE "job_payloads" ("job_id" uuid NOT NULL, "payload" jsonb NOT NULL,
        CONSTRAINT "PK_job_payloads" PRIMARY KEY ("job_id"),
        CONSTRAINT "FK_job_payloads_job" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "job_payloads"`);
    await queryRunner.query(`ALTER TABLE "jobs" DROP CONSTRAINT "FK_58f07a7fbd5d546cc8ff788ea2d"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_jobs_workspace_created"`);
    await queryRunner.query(`DROP TABLE "jobs"`);
  }
}
