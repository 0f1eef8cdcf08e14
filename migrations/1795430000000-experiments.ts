import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Experiments: `protocols` (roles, parameters and steps in one validated `definition`, the current
 * version number) and `protocol_versions` (immutable snapshots, written when an experiment first uses a
 * version; an edit after that makes a new version), `experiments` (a protocol version run on assigned
 * instruments), `experiment_instruments` (the assignment; `holds` is set while the experiment is
 * scheduled or running, and a partial unique index lets one experiment at a time hold an instrument)
 * and `experiment_steps` (each step's start, end, outcome and detail: where a run that died resumes).
 */
export class Experiments1795430000000 implements MigrationInterface {
  name = 'Experiments1795430000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "protocols" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "workspace_id" uuid NOT NULL,
        "name" text NOT NULL,
        "description" text,
        "definition" jsonb NOT NULL,
        "version" integer NOT NULL DEFAULT 1,
        "created_by" uuid,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_protocols" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_protocols_workspace_name" UNIQUE ("workspace_id", "name"),
        CONSTRAINT "CHK_protocols_version" CHECK (version >= 1),
        CONSTRAINT "FK_protocols_workspace" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE)`,
    );
    await queryRunner.query(
      `CREATE TABLE "protocol_versions" (
        "protocol_id" uuid NOT NULL,
        "version" integer NOT NULL,
        "workspace_id" uuid NOT NULL,
        "name" text NOT NULL,
        "description" text,
        "definition" jsonb NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_protocol_versions" PRIMARY KEY ("protocol_id", "version"),
        CONSTRAINT "FK_protocol_versions_protocol" FOREIGN KEY ("protocol_id") REFERENCES "protocols"("id") ON DELETE CASCADE)`,
    );
    await queryRunner.query(
      `CREATE TABLE "experiments" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "workspace_id" uuid NOT NULL,
        "protocol_id" uuid NOT NULL,
        "protocol_version" integer NOT NULL,
        "name" text NOT NULL,
        "note" text,
        "parameters" jsonb NOT NULL DEFAULT '{}',
        "status" text NOT NULL DEFAULT 'draft',
        "scheduled_at" TIMESTAMP WITH TIME ZONE,
        "started_at" TIMESTAMP WITH TIME ZONE,
        "finished_at" TIMESTAMP WITH TIME ZONE,
        "current_step" integer NOT NULL DEFAULT 0,
        "abort_requested" boolean NOT NULL DEFAULT false,
        "error" text,
        "flags" jsonb NOT NULL DEFAULT '[]',
        "job_id" uuid,
        "created_by" uuid,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_experiments" PRIMARY KEY ("id"),
        CONSTRAINT "CHK_experiments_status"
          CHECK (status IN ('draft', 'scheduled', 'running', 'completed', 'failed', 'aborted')),
        CONSTRAINT "FK_experiments_workspace" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE,
        CONSTRAINT "FK_experiments_protocol_version" FOREIGN KEY ("protocol_id", "protocol_version")
          REFERENCES "protocol_versions"("protocol_id", "version") ON DELETE RESTRICT,
        CONSTRAINT "FK_experiments_job" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE SET NULL)`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_experiments_workspace_created" ON "experiments" ("workspace_id", "created_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_experiments_protocol" ON "experiments" ("protocol_id", "protocol_version")`,
    );
    await queryRunner.query(
      `CREATE TABLE "experiment_instruments" (
        "experiment_id" uuid NOT NULL,
        "role" text NOT NULL,
        "instrument_id" uuid NOT NULL,
        "workspace_id" uuid NOT NULL,
        "holds" boolean NOT NULL DEFAULT false,
        "qualification" jsonb,
        CONSTRAINT "PK_experiment_instruments" PRIMARY KEY ("experiment_id", "role"),
        CONSTRAINT "FK_experiment_instruments_experiment" FOREIGN KEY ("experiment_id") REFERENCES "experiments"("id") ON DELETE CASCADE,
        CONSTRAINT "FK_experiment_instruments_instrument" FOREIGN KEY ("instrument_id") REFERENCES "instruments"("id") ON DELETE CASCADE)`,
    );
    // One experiment at a time holds an instrument (scheduled or running): the database says no to a second.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_experiment_instruments_held" ON "experiment_instruments" ("instrument_id") WHERE holds`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_experiment_instruments_instrument" ON "experiment_instruments" ("instrument_id")`,
    );
    await queryRunner.query(
      `CREATE TABLE "experiment_steps" (
        "experiment_id" uuid NOT NULL,
        "index" integer NOT NULL,
        "workspace_id" uuid NOT NULL,
        "kind" text NOT NULL,
        "name" text,
        "status" text NOT NULL DEFAULT 'pending',
        "started_at" TIMESTAMP WITH TIME ZONE,
        "ended_at" TIMESTAMP WITH TIME ZONE,
        "attempts" integer NOT NULL DEFAULT 0,
        "outcome" text,
        "detail" jsonb NOT NULL DEFAULT '{}',
        CONSTRAINT "PK_experiment_steps" PRIMARY KEY ("experiment_id", "index"),
        CONSTRAINT "CHK_experiment_steps_status"
          CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'skipped', 'aborted')),
        CONSTRAINT "FK_experiment_steps_experiment" FOREIGN KEY ("experiment_id") REFERENCES "experiments"("id") ON DELETE CASCADE)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "experiment_steps"`);
    await queryRunner.query(`DROP TABLE "experiment_instruments"`);
    await queryRunner.query(`DROP TABLE "experiments"`);
    await queryRunner.query(`DROP TABLE "protocol_versions"`);
    await queryRunner.query(`DROP TABLE "protocols"`);
  }
}
