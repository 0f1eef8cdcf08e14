import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Live state and commands: each instrument's connection state (online, offline, unknown) with the time
 * it changed and an optional expected reporting interval, the history of state changes, and the
 * commands sent to instruments with their outcome.
 */
export class InstrumentLiveStateAndCommands1795320000000 implements MigrationInterface {
  name = 'InstrumentLiveStateAndCommands1795320000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "commands" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "instrument_id" uuid NOT NULL, "name" text NOT NULL, "params" jsonb NOT NULL DEFAULT '{}', "status" text NOT NULL DEFAULT 'queued', "timeout_seconds" integer NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE, "idempotency_key" text, "result" jsonb, "error" text, "created_by_user_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "sent_at" TIMESTAMP WITH TIME ZONE, "completed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "UQ_commands_instrument_idempotency_key" UNIQUE ("instrument_id", "idempotency_key"), CONSTRAINT "CHK_commands_timeout" CHECK (timeout_seconds > 0), CONSTRAINT "CHK_commands_status" CHECK (status IN ('queued', 'sent', 'succeeded', 'failed', 'timed_out', 'expired', 'cancelled')), CONSTRAINT "PK_7ac292c3aa19300482b2b190d1e" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_commands_open" ON "commands" ("status") WHERE status IN ('queued', 'sent')`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_commands_instrument_created" ON "commands" ("instrument_id", "created_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "instrument_state_transitions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "instrument_id" uuid NOT NULL, "from_state" text NOT NULL, "to_state" text NOT NULL, "source" text NOT NULL, "reason" text NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_b65ac6587fe71837bf500e435e1" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_instrument_state_transitions_instrument_at" ON "instrument_state_transitions" ("instrument_id", "at")`,
    );
    await queryRunner.query(`ALTER TABLE "instruments" ADD "expected_interval_seconds" integer`);
    await queryRunner.query(`ALTER TABLE "instruments" ADD "connection_state" text NOT NULL DEFAULT 'unknown'`);
    await queryRunner.query(`ALTER TABLE "instruments" ADD "state_changed_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(
      `ALTER TABLE "instruments" ADD CONSTRAINT "CHK_instruments_expected_interval" CHECK (expected_interval_seconds > 0)`,
    );
    await queryRunner.query(
      `ALTER TABLE "instruments" ADD CONSTRAINT "CHK_instruments_connection_state" CHECK (connection_state IN ('online', 'offline', 'unknown'))`,
    );
    await queryRunner.query(
      `ALTER TABLE "commands" ADD CONSTRAINT "FK_5ccf19c90097c3316b7fac40c87" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "commands" ADD CONSTRAINT "FK_de16277c6893d6ae949495d1024" FOREIGN KEY ("instrument_id") REFERENCES "instruments"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "instrument_state_transitions" ADD CONSTRAINT "FK_2b9314172f7bdbf1d43371b3c90" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "instrument_state_transitions" ADD CONSTRAINT "FK_54331cd7356b858b929a5d62306" FOREIGN KEY ("instrument_id") REFERENCES "instruments"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "instrument_state_transitions" DROP CONSTRAINT "FK_54331cd7356b858b929a5d62306"`,
    );
    await queryRunner.query(
      `ALTER TABLE "instrument_state_transitions" DROP CONSTRAINT "FK_2b9314172f7bdbf1d43371b3c90"`,
    );
    await queryRunner.query(`ALTER TABLE "commands" DROP CONSTRAINT "FK_de16277c6893d6ae949495d1024"`);
    await queryRunner.query(`ALTER TABLE "commands" DROP CONSTRAINT "FK_5ccf19c90097c3316b7fac40c87"`);
    await queryRunner.query(`ALTER TABLE "instruments" DROP CONSTRAINT "CHK_instruments_connection_state"`);
    await queryRunner.query(`ALTER TABLE "instruments" DROP CONSTRAINT "CHK_instruments_expected_interval"`);
    await queryRunner.query(`ALTER TABLE "instruments" DROP COLUMN "state_changed_at"`);
    await queryRunner.query(`ALTER TABLE "instruments" DROP COLUMN "connection_state"`);
    await queryRunner.query(`ALTER TABLE "instruments" DROP COLUMN "expected_interval_seconds"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_instrument_state_transitions_instrument_at"`);
    await queryRunner.query(`DROP TABLE "instrument_state_transitions"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_commands_instrument_created"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_commands_open"`);
    await queryRunner.query(`DROP TABLE "commands"`);
  }
}
