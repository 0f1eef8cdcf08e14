import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notification channels (webhook, email) of a workspace, their deliveries (an outbox written with the
 * alert transition that caused them) and every delivery attempt with status and latency.
 */
export class Notifications1795420000000 implements MigrationInterface {
  name = 'Notifications1795420000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "notification_channels" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "name" text NOT NULL, "description" text, "kind" text NOT NULL, "url" text, "recipients" text array, "secret_ciphertext" text, "enabled" boolean NOT NULL DEFAULT true, "created_by" uuid, "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_notification_channels_workspace_name" UNIQUE ("workspace_id", "name"), CONSTRAINT "CHK_notification_channels_target" CHECK ((kind = 'webhook' AND url IS NOT NULL AND secret_ciphertext IS NOT NULL) OR (kind = 'email' AND recipients IS NOT NULL)), CONSTRAINT "CHK_notification_channels_kind" CHECK (kind IN ('webhook', 'email')), CONSTRAINT "PK_3bc0cb5b60e8659f5fc859b2af0" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "notification_deliveries" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "channel_id" uuid NOT NULL, "event" text NOT NULL, "alert_id" uuid, "dedupe_key" text, "payload" jsonb NOT NULL, "status" text NOT NULL DEFAULT 'pending', "attempts" integer NOT NULL DEFAULT '0', "last_status_code" integer, "last_error" text, "last_latency_ms" integer, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "completed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "UQ_notification_deliveries_channel_dedupe" UNIQUE ("channel_id", "dedupe_key"), CONSTRAINT "CHK_notification_deliveries_status" CHECK (status IN ('pending', 'succeeded', 'failed', 'suppressed')), CONSTRAINT "PK_81daeff81f237bd384f7cfc4a4c" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_notification_deliveries_pending" ON "notification_deliveries" ("created_at") WHERE status = 'pending'`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_notification_deliveries_channel_created" ON "notification_deliveries" ("channel_id", "created_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "notification_attempts" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "delivery_id" uuid NOT NULL, "attempt" integer NOT NULL, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "latency_ms" integer NOT NULL, "ok" boolean NOT NULL, "status_code" integer, "error" text, CONSTRAINT "UQ_notification_attempts_delivery_attempt" UNIQUE ("delivery_id", "attempt"), CONSTRAINT "PK_f6abd34f351bbbf11c7ae8e7565" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "notification_channels" ADD CONSTRAINT "FK_5544a13a0f944c5253eed423953" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "notification_deliveries" ADD CONSTRAINT "FK_2df672ef8689ada6681d65ac114" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "notification_deliveries" ADD CONSTRAINT "FK_cb8fc3f1c2debe694670bc9d655" FOREIGN KEY ("channel_id") REFERENCES "notification_channels"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "notification_attempts" ADD CONSTRAINT "FK_0985ef455231667dc92f8e1da83" FOREIGN KEY ("delivery_id") REFERENCES "notification_deliveries"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "notification_attempts"`);
    await queryRunner.query(`DROP TABLE "notification_deliveries"`);
    await queryRunner.query(`DROP TABLE "notification_channels"`);
  }
}
