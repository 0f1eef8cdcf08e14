import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Data ingestion: `datasources` (an uploaded file, a URL list or a text block, its stored object's
 * size and SHA-256, unique per workspace, and the ingestion job that last ran) and `records` (one per
 * row, line, item, page or URL of a data source, unique on the data source and its position in the
 * source so an ingestion run again adds nothing). Records carry a generated `tsvector` (the 'simple'
 * configuration: no language-specific stemming; the first 100,000 characters, well under the
 * tsvector size limit) with a GIN index for full-text search.
 */
export class DatasourcesAndRecords1795340000000 implements MigrationInterface {
  name = 'DatasourcesAndRecords1795340000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "datasources" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "workspace_id" uuid NOT NULL,
        "name" text NOT NULL,
        "type" text NOT NULL,
        "size" bigint NOT NULL,
        "checksum" text NOT NULL,
        "options" jsonb NOT NULL DEFAULT '{}',
        "classify_scheme_id" uuid,
        "last_job_id" uuid,
        "record_count" bigint NOT NULL DEFAULT 0,
        "error_count" integer NOT NULL DEFAULT 0,
        "created_by" uuid,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_datasources" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_datasources_workspace_checksum" UNIQUE ("workspace_id", "checksum"),
        CONSTRAINT "CHK_datasources_type" CHECK (type IN ('csv', 'json', 'ndjson', 'text', 'pdf', 'urls')),
        CONSTRAINT "CHK_datasources_checksum" CHECK (checksum ~ '^[0-9a-f]{64}$'),
        CONSTRAINT "FK_datasources_workspace" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE,
        CONSTRAINT "FK_datasources_last_job" FOREIGN KEY ("last_job_id") REFERENCES "jobs"("id") ON DELETE SET NULL)`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_datasources_workspace_created" ON "datasources" ("workspace_id", "created_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "records" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "workspace_id" uuid NOT NULL,
        "datasource_id" uuid NOT NULL,
        "position" bigint NOT NULL,
        "text" text NOT NULL,
        "metadata" jsonb NOT NULL DEFAULT '{}',
        "content_hash" text NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "search" tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, left("text", 100000))) STORED,
        CONSTRAINT "PK_records" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_records_datasource_position" UNIQUE ("datasource_id", "position"),
        CONSTRAINT "FK_records_datasource" FOREIGN KEY ("datasource_id") REFERENCES "datasources"("id") ON DELETE CASCADE)`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_records_search" ON "records" USING gin ("search")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "records"`);
    await queryRunner.query(`DROP TABLE "datasources"`);
  }
}
