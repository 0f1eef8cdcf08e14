import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sharing and transfer: `share_links` (a link to a workspace, a data source, a classification scheme
 * or a classification job, with a permission, an expiry, an optional use limit; only the SHA-256 of
 * its token is kept) and `import_ledger` (what an import wrote: for a target workspace, a document
 * and an entity of that document, the id it got, written in the transaction that writes the entity,
 * so an import run again, or retried after a crash, finds what exists and adds nothing twice;
 * `skipped`: the entity clashed with one the workspace had, and the document's maps to that one).
 */
export class ShareLinksAndImportLedger1795470000000 implements MigrationInterface {
  name = 'ShareLinksAndImportLedger1795470000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "share_links" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "workspace_id" uuid NOT NULL,
        "kind" text NOT NULL,
        "target_id" uuid,
        "permission" text NOT NULL,
        "token_hash" text NOT NULL,
        "token_prefix" text NOT NULL,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "max_uses" integer,
        "uses" integer NOT NULL DEFAULT 0,
        "last_used_at" TIMESTAMP WITH TIME ZONE,
        "revoked_at" TIMESTAMP WITH TIME ZONE,
        "created_by" uuid,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_share_links" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_share_links_token_hash" UNIQUE ("token_hash"),
        CONSTRAINT "CHK_share_links_kind" CHECK (kind IN ('workspace', 'datasource', 'classification_scheme', 'classification_job')),
        CONSTRAINT "CHK_share_links_target" CHECK ((kind = 'workspace') = (target_id IS NULL)),
        CONSTRAINT "CHK_share_links_permission" CHECK (permission IN ('view', 'import')),
        CONSTRAINT "CHK_share_links_max_uses" CHECK (max_uses IS NULL OR max_uses >= 1),
        CONSTRAINT "FK_share_links_workspace" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE)`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_share_links_workspace_created" ON "share_links" ("workspace_id", "created_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "import_ledger" (
        "workspace_id" uuid NOT NULL,
        "document" text NOT NULL,
        "kind" text NOT NULL,
        "source_id" text NOT NULL,
        "target_id" uuid NOT NULL,
        "skipped" boolean NOT NULL DEFAULT false,
        "job_id" uuid,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_import_ledger" PRIMARY KEY ("workspace_id", "document", "kind", "source_id"),
        CONSTRAINT "FK_import_ledger_workspace" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "import_ledger"`);
    await queryRunner.query(`DROP TABLE "share_links"`);
  }
}
