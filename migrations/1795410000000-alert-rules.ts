import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alert rules on telemetry (threshold, no-data, connectivity) and their persisted evaluation state
 * per rule and instrument (pending since, firing, actions still owed to the alerts service).
 */
export class AlertRules1795410000000 implements MigrationInterface {
  name = 'AlertRules1795410000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "alert_rules" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "name" text NOT NULL, "description" text, "kind" text NOT NULL, "enabled" boolean NOT NULL DEFAULT true, "instrument_id" uuid, "instrument_type" text, "location_id" uuid, "metric" text, "condition" text, "threshold" double precision, "low" double precision, "high" double precision, "clear_threshold" double precision, "clear_low" double precision, "clear_high" double precision, "for_seconds" integer NOT NULL DEFAULT '0', "clear_for_seconds" integer NOT NULL DEFAULT '0', "no_data_seconds" integer, "priority" integer, "alert_key" text NOT NULL, "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "CHK_alert_rules_durations" CHECK (for_seconds >= 0 AND clear_for_seconds >= 0), CONSTRAINT "CHK_alert_rules_priority" CHECK (priority IS NULL OR priority BETWEEN 1 AND 5), CONSTRAINT "CHK_alert_rules_condition" CHECK (condition IS NULL OR condition IN ('above', 'below', 'outside', 'inside')), CONSTRAINT "CHK_alert_rules_kind" CHECK (kind IN ('threshold', 'no_data', 'connectivity')), CONSTRAINT "PK_ae580564f087ffab9d229225aec" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_alert_rules_workspace" ON "alert_rules" ("workspace_id")`);
    await queryRunner.query(
      `CREATE TABLE "alert_rule_states" ("rule_id" uuid NOT NULL, "instrument_id" uuid NOT NULL, "workspace_id" uuid NOT NULL, "phase" text NOT NULL DEFAULT 'idle', "since" TIMESTAMP WITH TIME ZONE, "firing_since" TIMESTAMP WITH TIME ZONE, "last_at" TIMESTAMP WITH TIME ZONE, "alerted" boolean NOT NULL DEFAULT false, "pending_actions" jsonb NOT NULL DEFAULT '[]', "actions_since" TIMESTAMP WITH TIME ZONE, "claimed_until" TIMESTAMP WITH TIME ZONE, "suppressed_at" TIMESTAMP WITH TIME ZONE, "suppressed_count" integer NOT NULL DEFAULT '0', "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "CHK_alert_rule_states_phase" CHECK (phase IN ('idle', 'pending', 'firing', 'clearing')), CONSTRAINT "PK_42c5e402985ef0119f2022056cb" PRIMARY KEY ("rule_id", "instrument_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_alert_rule_states_workspace" ON "alert_rule_states" ("workspace_id")`);
    await queryRunner.query(`CREATE INDEX "IDX_alert_rule_states_instrument" ON "alert_rule_states" ("instrument_id")`);
    await queryRunner.query(
      `ALTER TABLE "alert_rules" ADD CONSTRAINT "FK_09373d450c2357f66254e6d11c7" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "alert_rules" ADD CONSTRAINT "FK_6489b558546a07b01160b69bddd" FOREIGN KEY ("instrument_id") REFERENCES "instruments"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "alert_rules" ADD CONSTRAINT "FK_58faf99ebef935890faf3cb9210" FOREIGN KEY ("location_id") REFERENCES "locations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "alert_rule_states" ADD CONSTRAINT "FK_26341c690f4cc5e3cf1542ddaa0" FOREIGN KEY ("rule_id") REFERENCES "alert_rules"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "alert_rule_states" ADD CONSTRAINT "FK_8225da0c858e86c33b54027d982" FOREIGN KEY ("instrument_id") REFERENCES "instruments"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "alert_rule_states" ADD CONSTRAINT "FK_a43160d1c3b39ec43d5309ad577" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "alert_rule_states" DROP CONSTRAINT "FK_a43160d1c3b39ec43d5309ad577"`);
    await queryRunner.query(`ALTER TABLE "alert_rule_states" DROP CONSTRAINT "FK_8225da0c858e86c33b54027d982"`);
    await queryRunner.query(`ALTER TABLE "alert_rule_states" DROP CONSTRAINT "FK_26341c690f4cc5e3cf1542ddaa0"`);
    await queryRunner.query(`ALTER TABLE "alert_rules" DROP CONSTRAINT "FK_58faf99ebef935890faf3cb9210"`);
    await queryRunner.query(`ALTER TABLE "alert_rules" DROP CONSTRAINT "FK_6489b558546a07b01160b69bddd"`);
    await queryRunner.query(`ALTER TABLE "alert_rules" DROP CONSTRAINT "FK_09373d450c2357f66254e6d11c7"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_alert_rule_states_instrument"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_alert_rule_states_workspace"`);
    await queryRunner.query(`DROP TABLE "alert_rule_states"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_alert_rules_workspace"`);
    await queryRunner.query(`DROP TABLE "alert_rules"`);
  }
}
