import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Classification: `classification_schemes` (labels, rules, examples, provider and training settings
 * in one validated `definition`, the provider's API key encrypted and write-only, the current version
 * number), `classification_scheme_versions` (immutable snapshots, written when a job first uses a
 * version; an edit after that makes a new version), `classification_job_runs` (where a
 * classification job stands: the cursor of its last committed page and its counts, so a run that
 * died resumes there) and `classification_results` (one per record and scheme version, written
 * idempotently; a result keeps the version it was made with).
 */
export class Classification1795350000000 implements MigrationInterface {
  name = 'Classification1795350000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "classification_schemes" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "workspace_id" uuid NOT NULL,
        "name" text NOT NULL,
        "description" text,
        "definition" jsonb NOT NULL,
        "api_key_ciphertext" text,
        "version" integer NOT NULL DEFAULT 1,
        "created_by" uuid,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_classification_schemes" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_classification_schemes_workspace_name" UNIQUE ("workspace_id", "name"),
        CONSTRAINT "CHK_classification_schemes_version" CHECK (version >= 1),
        CONSTRAINT "FK_classification_schemes_workspace" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE)`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_classification_schemes_workspace_created" ON "classification_schemes" ("workspace_id", "created_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "classification_scheme_versions" (
        "scheme_id" uuid NOT NULL,
        "version" integer NOT NULL,
        "workspace_id" uuid NOT NULL,
        "name" text NOT NULL,
        "description" text,
        "definition" jsonb NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_classification_scheme_versions" PRIMARY KEY ("scheme_id", "version"),
        CONSTRAINT "FK_classification_scheme_versions_scheme" FOREIGN KEY ("scheme_id") REFERENCES "classification_schemes"("id") ON DELETE CASCADE)`,
    );
    await queryRunner.query(
      `CREATE TABLE "classification_job_runs" (
        "job_id" uuid NOT NULL,
        "workspace_id" uuid NOT NULL,
        "cursor" jsonb,
        "processed" bigint NOT NULL DEFAULT 0,
        "inserted" bigint NOT NULL DEFAULT 0,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_classification_job_runs" PRIMARY KEY ("job_id"),
        CONSTRAINT "FK_classification_job_runs_job" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE)`,
    );
    await queryRunner.query(
      `CREATE TABLE "classification_results" (
        "scheme_id" uuid NOT NULL,
        "scheme_version" integer NOT NULL,
        "record_id" uuid NOT NULL,
        "workspace_id" uuid NOT NULL,
        "job_id" uuid,
        "labels" jsonb NOT NULL,
        "confidence" double precision NOT NULL,
        "explanation" jsonb NOT NULL DEFAULT '{}',
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_classification_results" PRIMARY KEY ("scheme_id", "scheme_version", "record_id"),
        CONSTRAINT "CHK_classification_results_confidence" CHECK (confidence >= 0 AND confidence <= 1),
        CONSTRAINT "FK_classification_results_version" FOREIGN KEY ("scheme_id", "scheme_version")
          REFERENCES "classification_scheme_versions"("scheme_id", "version") ON DELETE CASCADE,
        CONSTRAINT "FK_classification_results_record" FOREIGN KEY ("record_id") REFERENCES "records"("id") ON DELETE CASCADE,
        CONSTRAINT "FK_classification_results_job" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE SET NULL)`,
    );
    // deleting a record (or a data source's records) finds its results by record
    await queryRunner.query(
      `CREATE INDEX "IDX_classification_results_record" ON "classification_results" ("record_id")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "classification_results"`);
    await queryRunner.query(`DROP TABLE "classification_job_runs"`);
    await queryRunner.query(`DROP TABLE "classification_scheme_versions"`);
    await queryRunner.query(`DROP TABLE "classification_schemes"`);
  }
}
