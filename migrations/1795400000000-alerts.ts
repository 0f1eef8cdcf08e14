import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alerts (issue 9): configs keyed per workspace, alerts with at most one open alert per (workspace,
 * key, instrument or none) enforced by a partial unique index, the history of every transition,
 * silences, and the per-workspace sequence that orders what displays are sent.
 */
export class Alerts1795400000000 implements MigrationInterface {
  name = 'Alerts1795400000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "alert_configs" ("id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "workspace_id" uuid NOT NULL REFERENCES "workspaces"("id") ON DELETE CASCADE,
        "key" text NOT NULL, "name" text NOT NULL, "description" text,
        "default_priority" integer NOT NULL DEFAULT 3,
        "display_color" text NOT NULL DEFAULT 'red', "display_effect" text NOT NULL DEFAULT 'steady',
        "auto_resolve_after_seconds" integer, "escalate_after_seconds" integer,
        "notification_channel_ids" uuid[] NOT NULL DEFAULT '{}', "notify_min_priority" integer NOT NULL DEFAULT 5,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_alert_configs" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_alert_configs_workspace_key" UNIQUE ("workspace_id", "key"),
        CONSTRAINT "CHK_alert_configs_priority" CHECK (default_priority BETWEEN 1 AND 5 AND notify_min_priority BETWEEN 1 AND 5),
        CONSTRAINT "CHK_alert_configs_effect" CHECK (display_effect IN ('steady', 'blink', 'pulse', 'off')),
        CONSTRAINT "CHK_alert_configs_durations" CHECK ((auto_resolve_after_seconds IS NULL OR auto_resolve_after_seconds > 0)
          AND (escalate_after_seconds IS NULL OR escalate_after_seconds > 0)))`,
    );
    await queryRunner.query(
      `CREATE TABLE "alerts" ("id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "workspace_id" uuid NOT NULL REFERENCES "workspaces"("id") ON DELETE CASCADE,
        "key" text NOT NULL,
        "instrument_id" uuid REFERENCES "instruments"("id") ON DELETE CASCADE,
        "state" text NOT NULL DEFAULT 'active', "priority" integer NOT NULL, "note" text,
        "trigger_count" integer NOT NULL DEFAULT 1, "escalations" integer NOT NULL DEFAULT 0,
        "opened_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "last_triggered_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "acknowledged_at" TIMESTAMP WITH TIME ZONE, "resolved_at" TIMESTAMP WITH TIME ZONE,
        "resolution" text,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_alerts" PRIMARY KEY ("id"),
        CONSTRAINT "CHK_alerts_state" CHECK (state IN ('active', 'acknowledged', 'resolved')),
        CONSTRAINT "CHK_alerts_priority" CHECK (priority BETWEEN 1 AND 5),
        CONSTRAINT "CHK_alerts_resolution" CHECK ((state = 'resolved') = (resolved_at IS NOT NULL)))`,
    );
    // One open alert per (workspace, key, instrument or none): NULL instruments compare equal through
    // COALESCE, so triggers without an instrument conflict with each other too. Trigger upserts name
    // exactly this expression and predicate in ON CONFLICT.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_alerts_open" ON "alerts" ("workspace_id", "key",
        COALESCE("instrument_id", '00000000-0000-0000-0000-000000000000'::uuid)) WHERE state <> 'resolved'`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_alerts_workspace_opened" ON "alerts" ("workspace_id", "opened_at")`);
    await queryRunner.query(`CREATE INDEX "IDX_alerts_resolved" ON "alerts" ("resolved_at") WHERE state = 'resolved'`);
    await queryRunner.query(
      `CREATE TABLE "alert_history" ("id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "workspace_id" uuid NOT NULL REFERENCES "workspaces"("id") ON DELETE CASCADE,
        "alert_id" uuid REFERENCES "alerts"("id") ON DELETE CASCADE,
        "key" text NOT NULL, "instrument_id" uuid, "action" text NOT NULL,
        "state" text, "priority" integer, "note" text,
        "actor_kind" text NOT NULL, "actor_id" text,
        "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT "PK_alert_history" PRIMARY KEY ("id"),
        CONSTRAINT "CHK_alert_history_action" CHECK (action IN ('triggered', 'retriggered', 'acknowledged', 'escalated', 'cleared', 'auto-resolved', 'suppressed')),
        CONSTRAINT "CHK_alert_history_actor" CHECK (actor_kind IN ('user', 'api-key', 'rule', 'instrument', 'system')))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_alert_history_workspace_at" ON "alert_history" ("workspace_id", "at")`);
    await queryRunner.query(`CREATE INDEX "IDX_alert_history_alert" ON "alert_history" ("alert_id", "at")`);
    await queryRunner.query(
      `CREATE TABLE "alert_silences" ("id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "workspace_id" uuid NOT NULL REFERENCES "workspaces"("id") ON DELETE CASCADE,
        "key" text, "instrument_id" uuid REFERENCES "instruments"("id") ON DELETE CASCADE,
        "starts_at" TIMESTAMP WITH TIME ZONE NOT NULL, "ends_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "reason" text NOT NULL, "created_by_user_id" uuid,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_alert_silences" PRIMARY KEY ("id"),
        CONSTRAINT "CHK_alert_silences_target" CHECK (key IS NOT NULL OR instrument_id IS NOT NULL),
        CONSTRAINT "CHK_alert_silences_window" CHECK (ends_at > starts_at))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_alert_silences_workspace_window" ON "alert_silences" ("workspace_id", "ends_at")`,
    );
    // The sequence of each workspace's display messages: taken (row-locked) by whoever publishes, so
    // every api and worker replica numbers them from one counter and publishes them one at a time.
    await queryRunner.query(
      `CREATE TABLE "alert_display_seqs" ("workspace_id" uuid NOT NULL REFERENCES "workspaces"("id") ON DELETE CASCADE,
        "seq" bigint NOT NULL DEFAULT 0, CONSTRAINT "PK_alert_display_seqs" PRIMARY KEY ("workspace_id"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "alert_display_seqs"`);
    await queryRunner.query(`DROP TABLE "alert_silences"`);
    await queryRunner.query(`DROP TABLE "alert_history"`);
    await queryRunner.query(`DROP TABLE "alerts"`);
    await queryRunner.query(`DROP TABLE "alert_configs"`);
  }
}
