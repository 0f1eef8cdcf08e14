import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accounts by email: users get `email_verified_at` and `approved_at`; single-use account tokens
 * (email verification, password reset; SHA-256 only); workspace invitations with one pending
 * invitation per (workspace, email). Users that are already active or disabled count as approved.
 */
export class AccountsByEmail1795450000000 implements MigrationInterface {
  name = 'AccountsByEmail1795450000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "email_verified_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "users" ADD "approved_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`UPDATE "users" SET "approved_at" = "created_at" WHERE "status" <> 'pending'`);
    await queryRunner.query(
      `CREATE TABLE "account_tokens" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "purpose" text NOT NULL, "token_hash" text NOT NULL, "email" text NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "CHK_account_tokens_purpose" CHECK (purpose IN ('verify_email', 'reset_password')), CONSTRAINT "PK_5e3640c493cc6206a44b885e6a9" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_account_tokens_hash" ON "account_tokens" ("token_hash") `);
    await queryRunner.query(`CREATE INDEX "IDX_account_tokens_user" ON "account_tokens" ("user_id", "purpose") `);
    await queryRunner.query(
      `CREATE TABLE "workspace_invitations" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "email" text NOT NULL, "role" text NOT NULL, "token_hash" text NOT NULL, "invited_by" uuid, "status" text NOT NULL DEFAULT 'pending', "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "responded_at" TIMESTAMP WITH TIME ZONE, "accepted_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "CHK_workspace_invitations_email_lower" CHECK (email = lower(email)), CONSTRAINT "CHK_workspace_invitations_role" CHECK (role IN ('owner', 'editor', 'viewer')), CONSTRAINT "CHK_workspace_invitations_status" CHECK (status IN ('pending', 'accepted', 'declined', 'revoked')), CONSTRAINT "PK_525b9069dc828a8ee8fdc62c32c" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_workspace_invitations_token" ON "workspace_invitations" ("token_hash") `,
    );
    await queryRunner.query(`CREATE INDEX "IDX_workspace_invitations_email" ON "workspace_invitations" ("email") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_workspace_invitations_pending" ON "workspace_invitations" ("workspace_id", "email") WHERE status = 'pending'`,
    );
    await queryRunner.query(
      `ALTER TABLE "account_tokens" ADD CONSTRAINT "FK_1b5fea09efc20c7f63c4a09b3d6" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "workspace_invitations" ADD CONSTRAINT "FK_cf5df369b7a86ea3cdf18c7b56d" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "workspace_invitations" ADD CONSTRAINT "FK_e15b64a40ebe61dc98b993edd48" FOREIGN KEY ("invited_by") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "workspace_invitations" ADD CONSTRAINT "FK_85aa814346202c4288bf5119d07" FOREIGN KEY ("accepted_by") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "workspace_invitations"`);
    await queryRunner.query(`DROP TABLE "account_tokens"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "approved_at"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "email_verified_at"`);
  }
}
