import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `classification_results` keyed like the records they label: (datasource_id, position) first, so a
 * job, which writes in (data source, position) order, appends to its index instead of touching random
 * pages, with the scheme version and the record id completing the key (one result per record and
 * version). Results follow their records through a statement-level trigger on `records` rather than a
 * foreign key, whose per-row lock on the record dirtied the records table on every result written;
 * writers check that the record exists, and reads join records by id, so a result whose record
 * vanished while it was written is never shown.
 */
export class ClassificationResultsByPosition1795352000000 implements MigrationInterface {
  name = 'ClassificationResultsByPosition1795352000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "classification_results" DROP CONSTRAINT "FK_classification_results_record"`);
    await queryRunner.query(`ALTER TABLE "classification_results" DROP CONSTRAINT "PK_classification_results"`);
    await queryRunner.query(`ALTER TABLE "classification_results" ADD "datasource_id" uuid, ADD "position" bigint`);
    await queryRunner.query(
      `UPDATE "classification_results" res SET "datasource_id" = r."datasource_id", "position" = r."position"
         FROM "records" r WHERE r."id" = res."record_id"`,
    );
    await queryRunner.query(`DELETE FROM "classification_results" WHERE "datasource_id" IS NULL`);
    await queryRunner.query(
      `ALTER TABLE "classification_results" ALTER COLUMN "datasource_id" SET NOT NULL, ALTER COLUMN "position" SET NOT NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE "classification_results" ADD CONSTRAINT "PK_classification_results"
         PRIMARY KEY ("datasource_id", "position", "scheme_id", "scheme_version", "record_id")`,
    );
    await queryRunner.query(
      `CREATE FUNCTION "classification_results_forget_records"() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         DELETE FROM classification_results res USING gone
          WHERE res.datasource_id = gone.datasource_id AND res.position = gone.position AND res.record_id = gone.id;
         RETURN NULL;
       END $$`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "TRG_records_forget_classification_results" AFTER DELETE ON "records"
         REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION "classification_results_forget_records"()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "TRG_records_forget_classification_results" ON "records"`);
    await queryRunner.query(`DROP FUNCTION "classification_results_forget_records"()`);
    await queryRunner.query(`ALTER TABLE "classification_results" DROP CONSTRAINT "PK_classification_results"`);
    await queryRunner.query(`ALTER TABLE "classification_results" DROP COLUMN "datasource_id", DROP COLUMN "position"`);
    await queryRunner.query(
      `DELETE FROM "classification_results" res WHERE NOT EXISTS (SELECT 1 FROM "records" r WHERE r."id" = res."record_id")`,
    );
    await queryRunner.query(
      `ALTER TABLE "classification_results" ADD CONSTRAINT "PK_classification_results" PRIMARY KEY ("record_id", "scheme_id", "scheme_version")`,
    );
    await queryRunner.query(
      `ALTER TABLE "classification_results" ADD CONSTRAINT "FK_classification_results_record" FOREIGN KEY ("record_id") REFERENCES "records"("id") ON DELETE CASCADE`,
    );
  }
}
